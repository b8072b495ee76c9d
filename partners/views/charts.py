"""Small server-rendered SVG bar charts: no JavaScript, readable by screen readers as a table."""

from dataclasses import dataclass

BAR_WIDTH = 28
GAP = 12
PLOT_HEIGHT = 120
LABEL_SPACE = 20  # under the bars, for their labels


@dataclass
class Bar:
    label: str
    value_text: str
    x: int
    y: int
    height: int
    label_x: int


@dataclass
class BarChart:
    title: str
    bars: list[Bar]
    width: int
    height: int
    baseline: int


def bar_chart(title: str, points: list[tuple[str, float, str]]) -> BarChart:
    """Bars for (label, value, value as text); negatives draw as empty bars, text says why."""
    top = max((value for _, value, _ in points), default=0) or 1
    bars = []
    for index, (label, value, text) in enumerate(points):
        height = round(PLOT_HEIGHT * max(value, 0) / top)
        x = GAP + index * (BAR_WIDTH + GAP)
        bars.append(
            Bar(
                label=label,
                value_text=text,
                x=x,
                y=PLOT_HEIGHT - height,
                height=height,
                label_x=x + BAR_WIDTH // 2,
            )
        )
    return BarChart(
        title=title,
        bars=bars,
        width=GAP + len(points) * (BAR_WIDTH + GAP),
        height=PLOT_HEIGHT + LABEL_SPACE,
        baseline=PLOT_HEIGHT,
    )


ROW_HEIGHT = 26
LABEL_WIDTH = 180
TRACK_WIDTH = 220


@dataclass
class Row:
    label: str
    value_text: str
    y: int
    width: int
    text_y: int


@dataclass
class RowChart:
    title: str
    rows: list[Row]
    width: int
    height: int
    bar_x: int


def row_chart(title: str, points: list[tuple[str, float, str]]) -> RowChart:
    """Horizontal bars, for categories whose names are too long to sit under a bar."""
    top = max((value for _, value, _ in points), default=0) or 1
    rows = [
        Row(
            label=label,
            value_text=text,
            y=index * ROW_HEIGHT + 4,
            width=max(2, round(TRACK_WIDTH * max(value, 0) / top)),
            text_y=index * ROW_HEIGHT + 18,
        )
        for index, (label, value, text) in enumerate(points)
    ]
    return RowChart(
        title=title,
        rows=rows,
        width=LABEL_WIDTH + TRACK_WIDTH + 40,
        height=max(1, len(points)) * ROW_HEIGHT + 4,
        bar_x=LABEL_WIDTH,
    )
