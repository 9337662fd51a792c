"""The HTML report of `gaugan evaluate --report DIR`: one self-contained folder.

    DIR/index.html       scores, protocol, per-class IoU as a bar chart (inline SVG), and the
                         best and worst pictures by per-picture mIoU beside their label maps
    DIR/examples/*.png   those pictures (generated | label | what the segmenter saw | real)
    DIR/results.json     the same numbers as --output writes
"""

from __future__ import annotations

import html
import json
from pathlib import Path

import numpy as np
from PIL import Image

from gaugan.eval.evaluate import EvaluationResult
from gaugan.labels import LabelSet

BAR_HEIGHT = 14
CHART_WIDTH = 420
LABEL_WIDTH = 150


def _percent(value: float | None) -> str:
    return "n/a" if value is None else f"{100 * value:.1f}"


def class_iou_chart(result: EvaluationResult, labels: LabelSet) -> str:
    """An SVG with one row per class present: generated IoU (the class colour) over real IoU (grey)."""
    rows = [(name, colour, (result.class_iou or {}).get(name), (result.class_iou_real or {}).get(name))
            for name, colour in zip(labels.names, labels.colors)]
    rows = [row for row in rows if row[2] is not None or row[3] is not None]
    pair = BAR_HEIGHT * (2 if result.class_iou_real else 1) + 6
    height = pair * len(rows) + 24
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{LABEL_WIDTH + CHART_WIDTH + 60}" height="{height}" '
             'font-family="sans-serif" font-size="12" role="img" aria-label="IoU per class">']
    for tick in (0, 25, 50, 75, 100):
        x = LABEL_WIDTH + CHART_WIDTH * tick / 100
        parts.append(f'<line x1="{x}" y1="0" x2="{x}" y2="{height - 18}" stroke="#ddd"/>'
                     f'<text x="{x}" y="{height - 4}" text-anchor="middle" fill="#666">{tick}</text>')
    for i, (name, (r, g, b), generated, real) in enumerate(rows):
        y = i * pair
        parts.append(f'<text x="{LABEL_WIDTH - 6}" y="{y + BAR_HEIGHT - 2}" text-anchor="end">{html.escape(name)}</text>')
        width = CHART_WIDTH * (generated or 0)
        parts.append(f'<rect class="generated" data-class="{html.escape(name)}" x="{LABEL_WIDTH}" y="{y}" width="{width:.1f}" '
                     f'height="{BAR_HEIGHT}" fill="rgb({r},{g},{b})" stroke="#333" stroke-width="0.5"/>'
                     f'<text x="{LABEL_WIDTH + width + 4:.1f}" y="{y + BAR_HEIGHT - 2}">{_percent(generated)}</text>')
        if result.class_iou_real:
            width = CHART_WIDTH * (real or 0)
            y2 = y + BAR_HEIGHT
            parts.append(f'<rect class="real" x="{LABEL_WIDTH}" y="{y2}" width="{width:.1f}" height="{BAR_HEIGHT}" fill="#bbb"/>'
                         f'<text x="{LABEL_WIDTH + width + 4:.1f}" y="{y2 + BAR_HEIGHT - 2}" fill="#555">{_percent(real)}</text>')
    parts.append("</svg>")
    return "".join(parts)


def _save(array: np.ndarray | None, path: Path) -> str | None:
    if array is None:
        return None
    Image.fromarray(array).save(path)
    return f"examples/{path.name}"


def _example_rows(entries: list[dict], folder: Path, tag: str, has_real: bool) -> str:
    rows = []
    for i, entry in enumerate(entries):
        stem = f"{tag}{i:02d}"
        cells = [_save(entry["generated"], folder / f"{stem}_generated.png"), _save(entry["label"], folder / f"{stem}_label.png"),
                 _save(entry["segmented"], folder / f"{stem}_segmented.png")]
        if has_real:
            cells.append(_save(entry.get("real"), folder / f"{stem}_real.png"))
        alt = html.escape(entry["name"], quote=True)
        images = "".join(f'<td><img src="{cell}" alt="{alt}"></td>' if cell else "<td></td>" for cell in cells)
        real = f" / real {_percent(entry.get('miou_real'))}" if "miou_real" in entry else ""
        rows.append(f'<tr class="{tag}"><td class="name">{html.escape(entry["name"])}<br>mIoU {_percent(entry["miou"])}{real}'
                    f'<br>accuracy {_percent(entry["accuracy"])}</td>{images}</tr>')
    return "\n".join(rows)


def write_report(directory: Path, result: EvaluationResult, labels: LabelSet, title: str, source: list[str]) -> Path:
    """Write ``directory``/index.html (+ examples/, results.json); returns the page's path."""
    directory = Path(directory)
    examples_dir = directory / "examples"
    examples_dir.mkdir(parents=True, exist_ok=True)
    for stale in examples_dir.glob("*.png"):
        stale.unlink()
    (directory / "results.json").write_text(json.dumps(result.to_dict(), indent=2) + "\n")
    has_real = result.miou_real is not None
    scores = [("generated", result.miou, result.accuracy)]
    if has_real:
        scores.append(("real (segmenter reference)", result.miou_real, result.accuracy_real))
    score_rows = "".join(f"<tr><td>{name}</td><td>{_percent(m)}</td><td>{_percent(a)}</td></tr>" for name, m, a in scores)
    others = []
    if result.miou is not None and result.miou_real:
        others.append(f"mIoU ratio generated / real: {result.miou / result.miou_real:.2f}")
    if result.fid is not None:
        others.append(f"FID {result.fid:.2f}" + (f", KID {result.kid * 1000:.2f} &plusmn; {result.kid_std * 1000:.2f} (x 1e-3)" if result.kid is not None else ""))
    if result.fsd is not None:
        others.append(f"FSD {result.fsd:.3f} (Frechet segmenter distance; lower is better)")
    if result.c2st_accuracy is not None:
        others.append(f"C2ST held-out accuracy {result.c2st_accuracy:.3f} &plusmn; {result.c2st_stderr:.3f} (0.5 = indistinguishable), "
                      f"cross-entropy {result.c2st_log_loss_bits:.3f}"
                      + (f" &plusmn; {result.c2st_log_loss_bits_stderr:.3f}" if result.c2st_log_loss_bits_stderr is not None else "")
                      + " bits (1 = chance)")
    if result.seed_diversity is not None:
        others.append(f"seed diversity {result.seed_diversity:.1f} (mean |difference| of {result.diversity_seeds} seeds, 0..255)")
    best, worst = result.examples or ([], [])
    header = "<tr><th>picture</th><th>generated</th><th>label map</th><th>segmenter's view</th>" + ("<th>real</th>" if has_real else "") + "</tr>"
    examples = ""
    if best or worst:
        examples = (f"<h2>Worst {len(worst)} pictures (lowest per-picture mIoU)</h2><table class='examples'>{header}"
                    f"{_example_rows(worst, examples_dir, 'worst', has_real)}</table>"
                    f"<h2>Best {len(best)} pictures</h2><table class='examples'>{header}"
                    f"{_example_rows(best, examples_dir, 'best', has_real)}</table>")
    chart = class_iou_chart(result, labels) if result.class_iou else "<p>No segmenter: no per-class IoU.</p>"
    legend = " (coloured: generated; grey: real photos)" if result.class_iou_real else ""
    page = f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{html.escape(title)}</title>
<style>
body {{ font-family: sans-serif; margin: 2em; max-width: 70em; color: #222; }}
table {{ border-collapse: collapse; margin: 0.5em 0 1.5em; }}
td, th {{ border: 1px solid #ccc; padding: 4px 8px; vertical-align: top; text-align: left; }}
table.examples img {{ display: block; image-rendering: pixelated; }}
td.name {{ font-size: 0.85em; max-width: 16em; word-break: break-all; }}
code, .protocol li {{ font-size: 0.9em; }}
</style></head><body>
<h1>{html.escape(title)}</h1>
<ul class="protocol">{''.join(f'<li>{html.escape(line)}</li>' for line in source)}</ul>
<h2>Scores over {result.images} pictures</h2>
<table><tr><th></th><th>mIoU</th><th>accuracy</th></tr>{score_rows}</table>
<ul>{''.join(f'<li>{line}</li>' for line in others)}</ul>
<h2>IoU per class{legend}</h2>
{chart}
{examples}
<h2>Notes</h2><ul>{''.join(f'<li>{html.escape(n)}</li>' for n in result.notes) or '<li>none</li>'}</ul>
</body></html>
"""
    path = directory / "index.html"
    path.write_text(page, encoding="utf-8")
    return path
