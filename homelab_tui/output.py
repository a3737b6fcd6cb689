"""What the commands print: a result on stdout and one-line messages on stderr, never a traceback."""

from __future__ import annotations

import os
import sys


def write_out(text: str) -> bool:
    """Print ``text``; characters stdout's encoding lacks become '?'. False when stdout is closed or broken."""
    out = sys.stdout
    if out is None:  # started with stdout closed (>&-)
        say("homelab-tui: cannot write the result: stdout is closed")
        return False
    try:
        if hasattr(out, "reconfigure"):
            out.reconfigure(errors="replace")
        out.write(text + "\n")
        out.flush()
    except OSError as exc:  # BrokenPipeError: the reader went away (| head -c0)
        # Python flushes stdout again at exit: point it at /dev/null so that flush cannot fail too
        devnull = os.open(os.devnull, os.O_WRONLY)
        try:
            os.dup2(devnull, out.fileno())
        except (OSError, ValueError):
            pass
        finally:
            os.close(devnull)
        say(f"homelab-tui: cannot write the result: {exc.strerror or type(exc).__name__}")
        return False
    return True


def say(line: str) -> None:
    """One line on stderr, if stderr is still there (never on stdout: ``print(file=None)`` would write there)."""
    if sys.stderr is None:
        return
    try:
        print(line, file=sys.stderr, flush=True)
    except (OSError, ValueError):
        pass
