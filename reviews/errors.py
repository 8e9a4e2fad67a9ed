"""Errors shared by every app of a review."""


class ReviewRuleError(Exception):
    """A request that breaks a rule of the review; the message is shown to the person as it is."""
