"""What every build.py command shares: a user's mistake is one line on stderr naming the
problem and the fix, with exit status 2 for bad arguments and 1 for everything else;
`--debug` shows the traceback instead."""

import argparse


class UserError(Exception):
    """A problem the user can fix. `status`: 2 for bad arguments, 1 otherwise."""

    def __init__(self, text, status=1):
        Exception.__init__(self, text)
        self.status = status


class ArgumentParser(argparse.ArgumentParser):
    """argparse, but a bad argument is a UserError (one line) instead of usage text + exit."""

    def error(self, message):
        message = message.replace("unrecognized arguments:", "unknown argument")
        raise UserError("%s (see %s --help)" % (message, self.prog), 2)


def port_number(text):
    """An argparse type: a TCP port 1-65535 (0: let the system choose)."""
    try:
        n = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError("%r is not a port number (0-65535)" % text)
    if not 0 <= n <= 65535:
        raise argparse.ArgumentTypeError("%d is not a port number (0-65535)" % n)
    return n
