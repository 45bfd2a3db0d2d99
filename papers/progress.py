"""Where management commands draw their tqdm progress bars: the command's stderr, redrawn in place."""

from django.core.management.base import OutputWrapper


class ProgressStream:
    """Lets tqdm redraw its bar in place: OutputWrapper.write would end every redraw with a newline."""

    def __init__(self, wrapper: OutputWrapper):
        self.wrapper = wrapper

    def write(self, text: str) -> None:
        self.wrapper.write(text, style_func=str, ending="")

    def flush(self) -> None:
        self.wrapper.flush()
