"""A refused request is one line in the log, not a traceback."""

from __future__ import annotations

import io
import logging
import logging.config
import sys

from config import settings as deployed


def test_a_403_is_logged_on_one_line_and_a_500_keeps_its_traceback():
    config = {**deployed.LOGGING, "root": {"handlers": ["console"], "level": "WARNING"}}
    stream = io.StringIO()
    logging.config.dictConfig(config)
    handler = logging.getLogger().handlers[0]
    handler.setStream(stream)
    logger = logging.getLogger("django.request")
    try:
        raise PermissionError("no")
    except PermissionError:
        logger.warning(
            "Forbidden (Permission denied): /r/x/", exc_info=sys.exc_info(), extra={"status_code": 403}
        )
        logger.error("Internal Server Error: /r/x/", exc_info=sys.exc_info(), extra={"status_code": 500})
    lines = stream.getvalue().splitlines()
    forbidden = [line for line in lines if "Forbidden" in line]
    assert len(forbidden) == 1
    assert "Traceback" in stream.getvalue().split("Internal Server Error")[1]
    assert "Traceback" not in stream.getvalue().split("Internal Server Error")[0]
    logging.config.dictConfig({"version": 1, "disable_existing_loggers": False})
