"""Logging filters named in settings.LOGGING."""

import logging


class RefusalWithoutTraceback(logging.Filter):
    """A refused request (4xx: the 403 of a forbidden action, the 404 of a row out of scope) is
    logged as its one line, without the traceback of the exception that refused it: a refusal is
    the product working, and a console full of them hides the one 500 that matters. A 5xx keeps
    its traceback."""

    def filter(self, record):
        if getattr(record, "status_code", 500) < 500:
            record.exc_info = None
            record.exc_text = None
        return True
