"""Colours and type: calm, clinical, colour-blind safe, light and dark.

Left and right stance use the Okabe–Ito blue and orange (distinguishable with every common
colour-vision deficiency) and are always labelled too; a threshold crossing is shown with a
symbol and words as well as vermillion, never by colour alone.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtGui import QColor, QFont, QPalette
from PySide6.QtWidgets import QApplication, QWidget

LEFT = "#0072B2"  # Okabe–Ito blue
RIGHT = "#E69F00"  # Okabe–Ito orange
ALERT = "#D55E00"  # vermillion
GOOD = "#009E73"  # bluish green


@dataclass(frozen=True)
class Theme:
    name: str
    window: str
    panel: str
    text: str
    muted: str
    grid: str
    trace: str
    # Side colours for text: the Okabe–Ito hues, darkened or lightened where needed so that
    # words in them reach WCAG AA (4.5:1) on this theme's panels and window.
    left_text: str = LEFT
    right_text: str = RIGHT

    def color(self, name: str) -> QColor:
        return QColor(getattr(self, name))

    def side_text(self, side: str) -> str:
        return self.left_text if side == "left" else self.right_text


# Contrast of the side text colours (bench: WCAG formula), panel / window:
# light: blue 5.2 / 4.8, dark orange #9E5B00 5.3 / 5.0; dark: sky blue 6.5 / 7.3, orange 6.7 / 7.5.
LIGHT = Theme("light", window="#F7F7F5", panel="#FFFFFF", text="#1D1D1F", muted="#6B6B70",
              grid="#D8D8DC", trace="#1D1D1F", right_text="#9E5B00")
DARK = Theme("dark", window="#1B1D21", panel="#24272C", text="#F2F2F2", muted="#A0A4AB",
             grid="#3A3E45", trace="#F2F2F2", left_text="#56B4E9")
THEMES = {t.name: t for t in (LIGHT, DARK)}
current = LIGHT  # set by apply_theme: what text in side colours is drawn with


def side_text(side: str) -> str:
    """The colour for words about ``side`` in the theme on screen."""
    return current.side_text(side)


def set_point_size(widget: QWidget, points: float, bold: bool = False) -> None:
    """Large type where it must be read from a distance (the rest follows the base font)."""
    font = widget.font()
    font.setPointSizeF(points)
    font.setBold(bold)
    widget.setFont(font)


def apply_theme(app: QApplication, theme: Theme) -> None:
    """Palette, base font (large: read from a couple of metres) and a few style rules."""
    global current
    current = theme
    app.setStyle("Fusion")
    pal = QPalette()
    for role, value in ((QPalette.ColorRole.Window, theme.window),
                        (QPalette.ColorRole.Base, theme.panel),
                        (QPalette.ColorRole.AlternateBase, theme.window),
                        (QPalette.ColorRole.Button, theme.panel),
                        (QPalette.ColorRole.WindowText, theme.text),
                        (QPalette.ColorRole.Text, theme.text),
                        (QPalette.ColorRole.ButtonText, theme.text),
                        (QPalette.ColorRole.ToolTipBase, theme.panel),
                        (QPalette.ColorRole.ToolTipText, theme.text),
                        (QPalette.ColorRole.PlaceholderText, theme.muted),
                        (QPalette.ColorRole.Highlight, LEFT),
                        (QPalette.ColorRole.HighlightedText, "#FFFFFF")):
        pal.setColor(role, QColor(value))
    app.setPalette(pal)
    font = QFont(app.font())
    font.setPointSizeF(12.0)
    app.setFont(font)
    app.setStyleSheet(f"""
        QGroupBox {{ font-weight: 600; border: 1px solid {theme.grid}; border-radius: 6px;
                     margin-top: 14px; padding: 8px; }}
        QGroupBox::title {{ subcontrol-origin: margin; left: 10px; padding: 0 4px; }}
        QPushButton {{ padding: 6px 14px; }}
        QPushButton:disabled {{ color: {theme.muted}; border: 1px dashed {theme.grid};
                                border-radius: 3px; }}
        QLabel[role="muted"] {{ color: {theme.muted}; }}
        QLabel[role="hint"] {{ color: {theme.muted}; font-size: 11pt; }}
    """)
