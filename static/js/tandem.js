// Small page behaviours that need no framework. Loaded on every page, after htmx.
"use strict";
