"""Writing map figures for print: several formats at once, atomically."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from .._util import normal_mode
from ..exceptions import InputError

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

__all__ = ["save_figure"]


def save_figure(
    fig: Figure | Axes,
    path: str | os.PathLike[str],
    *,
    formats: Sequence[str] = ("pdf", "svg", "png"),
    dpi: int = 300,
    transparent: bool = False,
) -> list[Path]:
    """Write a figure for print, in several formats, atomically.

    Every format is first written to a temporary file in the target directory; only when
    all have been written are they moved into place with :func:`os.replace`. A failure
    leaves no half-written file (and no temporary file) behind. PDFs embed TrueType fonts
    (editable text), the bounding box is tight. Files get the mode an ordinary ``open``
    gives them (0666 less the umask, e.g. 0644), not the private 0600 of a temporary file.

    Parameters
    ----------
    fig : Figure or Axes
        The figure (or an Axes on it).
    path : path-like
        Target path; its suffix is replaced by each format (``"kaart"`` and
        ``"kaart.pdf"`` both give ``kaart.pdf``, ``kaart.svg``, ``kaart.png``). Missing
        directories are created.
    formats : sequence of str, default ("pdf", "svg", "png")
        Output formats understood by matplotlib.
    dpi : int, default 300
        Resolution of raster output.
    transparent : bool, default False
        Transparent background.

    Returns
    -------
    list of pathlib.Path
        The files written, in the order of ``formats``.

    Examples
    --------
    >>> import tempfile, os
    >>> from matplotlib.figure import Figure
    >>> fig = Figure(figsize=(1, 1))
    >>> paths = save_figure(fig, os.path.join(tempfile.mkdtemp(), "kaart"), formats=("png",),
    ...                     dpi=50)
    >>> [p.name for p in paths]
    ['kaart.png']
    """
    import matplotlib

    figure = fig.figure if hasattr(fig, "get_figure") and not hasattr(fig, "savefig") else fig
    if not hasattr(figure, "savefig"):
        raise InputError(f"expected a matplotlib Figure or Axes, got {type(fig).__name__}")
    formats = [str(f).lower().lstrip(".") for f in formats]
    if not formats:
        raise InputError("formats is empty; pass e.g. formats=('pdf', 'png')")
    supported = figure.canvas.get_supported_filetypes()
    bad = [f for f in formats if f not in supported]
    if bad:
        raise InputError(f"unsupported format(s) {bad}; matplotlib supports {sorted(supported)}")
    target = Path(path)
    if target.suffix.lower().lstrip(".") in supported:
        target = target.with_suffix("")
    target.parent.mkdir(parents=True, exist_ok=True)
    finals = [target.with_name(f"{target.name}.{f}") for f in formats]
    temps: list[str] = []
    try:
        with matplotlib.rc_context({"pdf.fonttype": 42, "ps.fonttype": 42}):
            for fmt, final in zip(formats, finals, strict=True):
                fd, tmp = tempfile.mkstemp(prefix=f".{final.name}.", suffix=".tmp",
                                           dir=final.parent)
                os.close(fd)
                temps.append(tmp)
                normal_mode(tmp)  # mkstemp makes 0600; give the umask's mode (e.g. 0644)
                figure.savefig(tmp, format=fmt, dpi=dpi, bbox_inches="tight",
                               pad_inches=0.05, transparent=transparent)
        for tmp, final in zip(temps, finals, strict=True):
            os.replace(tmp, final)
    except BaseException:
        for tmp in temps:
            try:
                os.remove(tmp)
            except FileNotFoundError:
                pass
        raise
    return finals
