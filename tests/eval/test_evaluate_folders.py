"""`gaugan evaluate --images DIR --labels DIR [--real DIR]`: any system's pictures, the checkpoint path's protocol."""

import json
import shutil

import numpy as np
import pytest
import torch
from PIL import Image
from train_helpers import TOY_LABELS, ToyPairs

from gaugan.cli import main
from gaugan.models import GauGAN, SPADEGenerator, SPADEGeneratorConfig


@pytest.fixture(scope="module")
def toy(tmp_path_factory):
    """ROOT/{images,labels}/*.png (class ids), ROOT/palette.csv, a toy checkpoint and a segmenter trained on ROOT."""
    torch.set_num_threads(1)
    root = tmp_path_factory.mktemp("folders")
    data_root = root / "data"
    (data_root / "images").mkdir(parents=True)
    (data_root / "labels").mkdir()
    rows = [f"{i},{name},{r},{g},{b}" for i, (name, (r, g, b)) in enumerate(zip(TOY_LABELS.names, TOY_LABELS.colors))]
    (data_root / "palette.csv").write_text("id,name,r,g,b\n" + "\n".join(rows) + "\n")
    data = ToyPairs(n=8, size=32, seed=4)
    for i in range(len(data)):
        pixels = ((data.image[i].permute(1, 2, 0) + 1) * 127.5).round().clamp(0, 255).to(torch.uint8).numpy()
        Image.fromarray(pixels).save(data_root / "images" / f"{i:03d}.png")
        Image.fromarray(data.label[i].numpy().astype(np.uint8)).save(data_root / "labels" / f"{i:03d}.png")
    torch.manual_seed(0)
    checkpoint = root / "checkpoint"
    GauGAN(SPADEGenerator(SPADEGeneratorConfig(semantic_channels=3, ngf=8, width=32, spade_hidden=8)), TOY_LABELS).save_pretrained(checkpoint)
    assert main(["train-segmenter", "--dataset", "folder", "--dataroot", str(data_root), "--split", "all", "--size", "32",
                 "--steps", "30", "--batch-size", "4", "--width", "8", "-o", str(root / "seg")]) == 0
    return {"data": data_root, "checkpoint": checkpoint, "seg": root / "seg", "palette": data_root / "palette.csv"}


def _score(toy, images, out, *extra):
    return main(["evaluate", "--images", str(images), "--labels", str(toy["data"] / "labels"), "--classes", str(toy["palette"]),
                 "--segmenter", str(toy["seg"]), "--no-fid", "--c2st-steps", "20", "--batch-size", "4", "-o", str(out), *extra])


def test_a_checkpoints_pictures_score_the_same_from_a_folder(toy, tmp_path, capsys):
    direct = tmp_path / "direct.json"
    assert main(["evaluate", str(toy["checkpoint"]), "--dataset", "folder", "--dataroot", str(toy["data"]), "--split", "all",
                 "--segmenter", str(toy["seg"]), "--no-fid", "--c2st-steps", "20", "--batch-size", "4", "-o", str(direct),
                 "--report", str(tmp_path / "report")]) == 0
    page = (tmp_path / "report" / "index.html").read_text()  # the same report for a checkpoint
    assert f"checkpoint: {toy['checkpoint']}" in page and page.count("<img") == 2 * 6 * 4
    assert main(["synthesize", str(toy["checkpoint"]), str(toy["data"] / "labels"), "-o", str(tmp_path / "pictures")]) == 0
    folder = tmp_path / "folder.json"
    assert _score(toy, tmp_path / "pictures", folder, "--picture-suffix", "_seed0", "--real", str(toy["data"] / "images")) == 0
    a, b = json.loads(direct.read_text()), json.loads(folder.read_text())
    assert a["images"] == b["images"] == 8
    # The same pictures up to 8-bit rounding: the same scores.
    assert abs(a["miou"] - b["miou"]) < 0.02 and abs(a["accuracy"] - b["accuracy"]) < 0.02
    assert a["miou_real"] == b["miou_real"] and a["accuracy_real"] == b["accuracy_real"]
    assert abs(a["fsd"] - b["fsd"]) < 0.05 * a["fsd"]
    assert [r["name"] for r in b["per_image"]] == [f"{i:03d}" for i in range(8)]
    assert b["protocol"]["pictures"] == 8 and b["protocol"]["picture_sizes"] == {"32x32": 8}
    assert "pictures: 8 from" in capsys.readouterr().out


def test_real_photos_scored_as_pictures_match_the_reference(toy, tmp_path, random_weight_file):
    out_fid = tmp_path / "fid.json"
    assert main(["evaluate", "--images", str(toy["data"] / "images"), "--labels", str(toy["data"] / "labels"),
                 "--real", str(toy["data"] / "images"), "--classes", str(toy["palette"]), "--segmenter", str(toy["seg"]),
                 "--inception-weights", str(random_weight_file), "--c2st-steps", "20", "-o", str(out_fid)]) == 0
    result = json.loads(out_fid.read_text())
    assert result["miou"] == result["miou_real"] and result["accuracy"] == result["accuracy_real"]
    assert abs(result["fsd"]) < 1e-6 and abs(result["fid"]) < 1e-3
    assert 0.25 <= result["c2st_accuracy"] <= 0.75  # identical sets cannot be told apart


def test_html_report(toy, tmp_path):
    report = tmp_path / "report"
    assert _score(toy, toy["data"] / "images", tmp_path / "r.json", "--real", str(toy["data"] / "images"), "--report", str(report)) == 0
    page = (report / "index.html").read_text()
    assert page.count('class="generated"') == len([v for v in json.loads((tmp_path / "r.json").read_text())["class_iou"].values() if v is not None])
    for name in TOY_LABELS.names:
        assert f'data-class="{name}"' in page
    images = [part.split('"')[0] for part in page.split('<img src="')[1:]]
    assert len(images) == 2 * 6 * 4  # 6 worst + 6 best rows: generated, label, segmenter's view, real
    assert all((report / src).is_file() for src in images)
    assert json.loads((report / "results.json").read_text()) == json.loads((tmp_path / "r.json").read_text())
    worst = page.index("Worst 6")
    best = page.index("Best 6")
    assert worst < best


def test_bad_folders_are_refused_by_name_and_nothing_is_written(toy, tmp_path, capsys):
    pictures = tmp_path / "pictures"
    shutil.copytree(toy["data"] / "images", pictures)
    Image.new("RGB", (32, 32)).save(pictures / "stray.png")
    out, report = tmp_path / "out.json", tmp_path / "report"
    assert _score(toy, pictures, out, "--report", str(report)) == 2
    assert "1 of 9 pictures" in capsys.readouterr().err and not out.exists() and not report.exists()
    (pictures / "stray.png").unlink()

    (pictures / "003.png").write_bytes(b"not a png")
    assert _score(toy, pictures, out) == 2
    assert "003.png" in capsys.readouterr().err and not out.exists()
    Image.new("RGB", (64, 32)).save(pictures / "003.png")  # 2:1 against a 1:1 label map
    assert _score(toy, pictures, out) == 2
    err = capsys.readouterr().err
    assert "003.png is 64x32" in err and "another aspect ratio" in err and "--label-resize any" in err
    assert _score(toy, pictures, out, "--label-resize", "any") == 0
    assert json.loads(out.read_text())["protocol"]["labels_aspect_changed"] == 1

    labels = tmp_path / "labels"
    shutil.copytree(toy["data"] / "labels", labels)
    Image.fromarray(np.full((32, 32), 7, np.uint8)).save(labels / "005.png")
    out.unlink()
    assert main(["evaluate", "--images", str(toy["data"] / "images"), "--labels", str(labels), "--classes", str(toy["palette"]),
                 "--segmenter", str(toy["seg"]), "-o", str(out)]) == 2
    assert "005.png: class id 7 is outside 0..2" in capsys.readouterr().err and not out.exists()
    assert main(["evaluate", "--images", str(pictures), "--labels", str(labels)]) == 2
    assert "--classes" in capsys.readouterr().err


def test_two_folder_fid_needs_no_labels_and_no_pairing(toy, tmp_path, random_weight_file):
    others = tmp_path / "others"
    others.mkdir()
    for i in range(5):  # other names, other count, other size
        Image.fromarray(np.random.default_rng(i).integers(0, 256, (48, 40, 3), dtype=np.uint8)).save(others / f"x{i}.png")
    args = ["evaluate", "--real", str(toy["data"] / "images"), "--inception-weights", str(random_weight_file)]
    assert main(args + ["--images", str(toy["data"] / "images"), "-o", str(tmp_path / "same.json")]) == 0
    assert main(args + ["--images", str(others), "-o", str(tmp_path / "other.json")]) == 0
    same, other = json.loads((tmp_path / "same.json").read_text()), json.loads((tmp_path / "other.json").read_text())
    assert abs(same["fid"]) < 1e-3
    # Every picture at its own size through the Inception, all of both folders: pytorch-fid's two-folder FID.
    from gaugan.eval.fid import FeatureStatistics, frechet_distance
    from gaugan.eval.inception import FIDInceptionV3

    inception = FIDInceptionV3.from_file(random_weight_file)

    def features(paths):
        return np.concatenate([inception(torch.from_numpy(np.asarray(Image.open(p).convert("RGB"), np.float32)).permute(2, 0, 1)[None] / 255)
                               .double().numpy() for p in sorted(paths)])

    expected = frechet_distance(FeatureStatistics.of(features(others.glob("*.png"))),
                                FeatureStatistics.of(features((toy["data"] / "images").glob("*.png"))))
    assert other["fid"] == pytest.approx(expected, rel=1e-6, abs=1e-15)
    assert other["protocol"]["pictures"] == 5 and other["protocol"]["real_pictures"] == 8
    assert other["protocol"]["picture_sizes"] == {"40x48": 5} and other["miou"] is None


def test_c2st_by_class_from_the_command_line(toy, tmp_path, capsys):
    out = tmp_path / "out.json"
    noisy = tmp_path / "noisy"
    noisy.mkdir()
    for path in sorted((toy["data"] / "images").glob("*.png")):  # the real photos with noise on class 1 only
        pixels = np.asarray(Image.open(path)).astype(np.int16)
        ids = np.asarray(Image.open(toy["data"] / "labels" / path.name))
        noise = np.random.default_rng(int(path.stem)).integers(-60, 61, pixels.shape)
        Image.fromarray(np.where((ids == 1)[..., None], pixels + noise, pixels).clip(0, 255).astype(np.uint8)).save(noisy / path.name)
    assert _score(toy, noisy, out, "--real", str(toy["data"] / "images"), "--c2st-by-class") == 0
    by_class = json.loads(out.read_text())["c2st_by_class"]
    present = {TOY_LABELS.names[i] for i in np.unique(np.stack([np.asarray(Image.open(p)) for p in (toy["data"] / "labels").glob("*.png")]))}
    assert {s["name"] for s in by_class} == present and sum(s["pixel_fraction"] for s in by_class) == pytest.approx(1)
    assert "C2ST with one class's pixels taken from the real pictures" in capsys.readouterr().out
    out.unlink()
    assert _score(toy, noisy, out, "--real", str(toy["data"] / "images"), "--c2st-by-class", "--no-c2st") == 2
    assert "--c2st-by-class reruns the C2ST: it cannot go with --no-c2st" in capsys.readouterr().err and not out.exists()
