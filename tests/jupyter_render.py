"""What a Jupyter notebook shows for a stream of output text, for the progress-bar tests.

JupyterLab, the classic notebook and VS Code process a cell's stream output the same way
before showing it: first every backspace removes the character before it (never a newline),
then on each line every carriage return starts the line over, the text after it
overwriting the line's characters one for one (a shorter overwrite keeps the old tail);
``\\r\\n`` is a plain newline. ANSI colour escapes stay in the text (the notebook renders them).
"""

import re


def render(text: str) -> str:
    """Return the text a notebook displays for the stream output ``text``."""
    while True:
        shorter = re.sub(r"[^\n]\x08", "", text)
        if len(shorter) == len(text):
            break
        text = shorter
    text = re.sub(r"\r+\n", "\n", text)
    lines = []
    for line in text.split("\n"):
        first, *overwrites = re.split(r"\r+", line)
        for part in overwrites:
            first = part + first[len(part):]
        lines.append(first)
    return "\n".join(lines)


class FakeOutStream:
    """Stands in for ``ipykernel.iostream.OutStream`` (sys.stdout inside a notebook kernel)."""

    def __init__(self, isatty=False):
        self.chunks = []
        self._isatty = isatty

    def write(self, text):
        """Collect the text."""
        self.chunks.append(text)
        return len(text)

    def flush(self):
        """Nothing to flush."""

    def isatty(self):
        """Kernels say False (some configurations say True)."""
        return self._isatty

    def getvalue(self):
        """Everything written so far."""
        return "".join(self.chunks)


FakeOutStream.__module__ = "ipykernel.iostream"
