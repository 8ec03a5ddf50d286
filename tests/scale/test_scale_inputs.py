"""The Ray engine without starting Ray: which files, how they are read (the same rows, texts,
labels and source_row as the app's loader), the messages for bad input, unreachable
addresses and runs that cannot be scheduled, and the command line's checks."""

from __future__ import annotations

import json
import os
import socket
from pathlib import Path

import pytest

from desktop_app.core.errors import DatasetError, UserError
from desktop_app.core.scale.cluster import (
    Needs,
    RaySettings,
    Resources,
    check_fits,
    check_reachable,
    split_address,
)
from desktop_app.core.scale.sources import read_blocks, read_plan, resolve_inputs


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def cli(capsys, *args: str) -> tuple[int, str, str]:
    """The command in this process: (exit status, standard output, standard error)."""
    from desktop_app.cli import main

    capsys.readouterr()
    code = main(list(args))
    out = capsys.readouterr()
    return code, out.out, out.err


def arrow_rows(path: Path, **options) -> list[tuple]:
    """(source_row, text, label) of the rows the Ray engine predicts, read in small blocks."""
    import pyarrow as pa

    inputs = resolve_inputs(str(path))
    plan = read_plan(inputs, **options)
    table = pa.concat_tables(list(read_blocks(inputs.files[0], 0, plan, rows=7)))
    rows = []
    for row in table.to_pylist():
        if row["status"] == "" and row["text"] and row["text"].strip():
            rows.append((row["source_row"], row["text"], row.get("label")))
    return rows


def loader_rows(path: Path, **options) -> list[tuple]:
    from desktop_app.core.data.dataset import LoadOptions, load_dataset

    frame = load_dataset(path, LoadOptions(**options)).frame
    labels = [None if v != v or v is None else str(v) for v in frame["label"]]
    return list(zip(frame["source_row"].tolist(), frame["text"].tolist(), labels, strict=True))


# -- reading -------------------------------------------------------------------------------
def test_csv_rows_equal_the_apps_loader(tmp_path):
    lines = [
        "id,review,sentiment",
        '1,"good film, truly",positive',
        '2,"a ""quoted"" word",negative',
        "3,,positive",  # empty text: left out, its number kept
        '4,"two\nlines, great",positive',
        "5,  plain  ,negative",
        "6,ok,",
    ]
    path = tmp_path / "reviews.csv"
    path.write_text("\ufeff" + "\n".join(lines) + "\n", encoding="utf-8")
    assert arrow_rows(path) == loader_rows(path)
    assert [r[0] for r in arrow_rows(path)] == [0, 1, 3, 4, 5]


def test_semicolons_latin_encoding_and_numeric_labels(tmp_path):
    path = tmp_path / "avis.csv"
    rows = ["texte;note"] + [
        f"très {w} café;{i % 2}" for i, w in enumerate("bon mauvais".split() * 5)
    ]
    path.write_bytes("\n".join(rows).encode("cp1252"))
    ours = arrow_rows(path, text_column="texte", label_column="note")
    assert ours == loader_rows(path, text_column="texte", label_column="note")
    assert ours[0][1] == "très bon café"


def test_parquet_and_jsonl_rows_equal_the_apps_loader(tmp_path):
    import pandas as pd

    frame = pd.DataFrame(
        {"text": ["fine", "", "awful", None, "great"], "label": [1, 0, 0, 1, None]}
    )
    parquet = tmp_path / "t.parquet"
    frame.to_parquet(parquet)
    assert arrow_rows(parquet) == loader_rows(parquet)
    jsonl = tmp_path / "t.jsonl"
    jsonl.write_text(
        '{"text": "fine", "label": "pos"}\n\n{"text": "bad", "label": "neg"}\nnot json\n'
        '{"text": "ok", "label": "pos"}\n',
        encoding="utf-8",
    )
    assert arrow_rows(jsonl) == loader_rows(jsonl)


def test_malformed_lines_are_counted_not_predicted(tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text("text,label\ngood,pos\ntoo,many,fields\nbad,neg\n", encoding="utf-8")
    import pyarrow as pa

    inputs = resolve_inputs(str(path))
    table = pa.concat_tables(list(read_blocks(inputs.files[0], 0, read_plan(inputs))))
    assert table.column("status").to_pylist().count("malformed") == 1
    assert [
        t
        for t, s in zip(*[table.column(c).to_pylist() for c in ("text", "status")], strict=True)
        if not s
    ] == ["good", "bad"]


# -- which files ---------------------------------------------------------------------------
def test_inputs_file_folder_glob(tmp_path):
    for name in ("b.csv", "a.csv", "sub/c.csv", "_skip/d.csv", ".hidden.csv", "notes.txt"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("text\nhello\n", encoding="utf-8")
    one = resolve_inputs(str(tmp_path / "a.csv"))
    assert one.single and one.format == "csv"
    folder = resolve_inputs(str(tmp_path))
    assert not folder.single
    assert [Path(f).name for f in folder.files] == ["a.csv", "b.csv", "c.csv"]
    assert folder.output_names() == ["a.parquet", "b.parquet", "sub__c.parquet"]
    assert [Path(f).name for f in resolve_inputs(str(tmp_path / "*.csv")).files] == [
        "a.csv",
        "b.csv",
    ]


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda p: p / "missing.csv", "missing.csv does not exist"),
        (lambda p: p / "none-*.csv", "No CSV, TSV, Parquet or JSONL files match"),
        (lambda p: p.joinpath("empty").mkdir() or p / "empty", "holds no CSV, TSV"),
        (lambda p: p.joinpath("x.xlsx").write_bytes(b"x") and p / "x.xlsx", "is not a CSV, TSV"),
    ],
)
def test_bad_inputs_name_the_path(tmp_path, make, message):
    with pytest.raises(DatasetError, match=message):
        resolve_inputs(str(make(tmp_path)))


def test_mixed_formats_are_refused(tmp_path):
    (tmp_path / "a.csv").write_text("text\nhi\n", encoding="utf-8")
    (tmp_path / "b.jsonl").write_text('{"text": "hi"}\n', encoding="utf-8")
    with pytest.raises(DatasetError, match="mixes CSV and JSONL"):
        resolve_inputs(str(tmp_path))


def test_missing_text_column_names_the_columns(tmp_path):
    import pandas as pd

    pd.DataFrame({"id": [1, 2], "body": ["a", "b"]}).to_parquet(tmp_path / "a.parquet")
    with pytest.raises(DatasetError) as caught:
        read_plan(resolve_inputs(str(tmp_path / "a.parquet")), text_column="review")
    assert str(tmp_path / "a.parquet") in str(caught.value)
    assert "Columns: id, body" in str(caught.value)
    # a later file of a folder without the first file's text column
    (tmp_path / "b").mkdir()
    pd.DataFrame({"review": ["fine"]}).to_csv(tmp_path / "b" / "1.csv", index=False)
    pd.DataFrame({"comment": ["fine"]}).to_csv(tmp_path / "b" / "2.csv", index=False)
    with pytest.raises(DatasetError, match=r"2\.csv has no column 'review'.*Columns: comment"):
        read_plan(resolve_inputs(str(tmp_path / "b")))


def test_unreadable_file_is_named(tmp_path):
    path = tmp_path / "broken.parquet"
    path.write_bytes(b"PAR1 this is not parquet")
    with pytest.raises(DatasetError, match="broken.parquet"):
        read_plan(resolve_inputs(str(path)))


# -- the cluster ---------------------------------------------------------------------------
def test_addresses():
    assert split_address("auto") is None
    assert split_address("ray://head:10001") == ("ray", "head", 10001)
    assert split_address("ray://head") == ("ray", "head", 10001)
    assert split_address("10.0.0.5:6379") == ("", "10.0.0.5", 6379)
    with pytest.raises(UserError, match="not a Ray address"):
        split_address("http://head:8265")


def test_unreachable_address_names_it():
    address = f"ray://127.0.0.1:{free_port()}"
    with pytest.raises(UserError) as caught:
        check_reachable(address)
    assert address in str(caught.value)


def test_unschedulable_run_says_what_it_needs_and_what_there_is():
    have = Resources(1, 2, 0, per_node=[{"cpus": 2, "gpus": 0}])
    needs = Needs.of(RaySettings(workers=2, gpus_per_worker=1), extra_cpus=1)
    with pytest.raises(UserError) as caught:
        check_fits(needs, have, "this computer")
    message = str(caught.value)
    assert (
        "3 CPUs and 2 GPUs (2 workers of 1 CPU and 1 GPU, and 1 CPU to read the files)" in message
    )
    assert "this computer has 1 node, 2 CPUs, 0 GPUs" in message
    # enough CPUs in total, but spread over nodes too small for one worker each
    wide = Resources(2, 4, 0, per_node=[{"cpus": 2, "gpus": 0}, {"cpus": 2, "gpus": 0}])
    with pytest.raises(UserError):
        check_fits(Needs(2, cpus=3), wide, "the cluster")
    check_fits(Needs(2, cpus=2), wide, "the cluster")


def test_settings_are_checked():
    with pytest.raises(UserError, match="--workers"):
        RaySettings(workers=0).checked()
    with pytest.raises(UserError, match="--gpus-per-worker"):
        RaySettings(gpus_per_worker=-1).checked()
    assert RaySettings.from_dict(RaySettings(" auto ", 3).to_dict()).checked().address == "auto"


def test_cluster_resources_of_this_computer():
    pytest.importorskip("ray")
    from desktop_app.core.scale.cluster import cluster_resources

    info = cluster_resources("")
    assert info["local"] and info["nodes"] == 1 and info["cpus"] == os.cpu_count()
    assert info["text"].startswith("1 node, ")


def test_model_folder_through_the_object_store(tmp_path):
    from desktop_app.core.scale.shipping import pack_folder, unpack_folder

    (tmp_path / "m" / "sub").mkdir(parents=True)
    (tmp_path / "m" / "config.json").write_text("{}", encoding="utf-8")
    (tmp_path / "m" / "sub" / "w.bin").write_bytes(b"\0" * 10)
    (tmp_path / "m" / ".git").mkdir()
    files = pack_folder(tmp_path / "m")
    assert sorted(files) == ["config.json", "sub/w.bin"]
    first = unpack_folder(files, tmp_path / "cache")
    assert unpack_folder(files, tmp_path / "cache") == first  # one copy per node
    assert (first / "sub" / "w.bin").read_bytes() == b"\0" * 10


# -- the command line (no Ray started) -----------------------------------------------------
def test_cli_unreachable_address(tmp_path, capsys, reviews):
    pytest.importorskip("ray")
    address = f"ray://127.0.0.1:{free_port()}"
    out = tmp_path / "o.parquet"
    code, _, err = cli(
        capsys, "predict", "vader", "--file", str(reviews["csv"]), "--out", str(out),
        "--engine", "ray", "--ray-address", address,
    )  # fmt: skip
    assert code == 2
    assert (
        err.strip().splitlines()[-1].startswith(f"error: Cannot reach the Ray cluster at {address}")
    )
    assert not out.exists()


def test_cli_ray_options_need_the_ray_engine(tmp_path, capsys, reviews):
    out = str(tmp_path / "o.csv")
    code, _, err = cli(
        capsys, "predict", "vader", "--file", str(reviews["csv"]), "--out", out, "--workers", "2"
    )
    assert code == 2 and "--workers go with --engine ray" in err
    code, _, err = cli(capsys, "predict", "vader", "--text", "fine", "--engine", "ray")
    assert code == 2 and "--engine ray predicts files" in err


def test_cli_missing_input_and_wrong_output(tmp_path, capsys, reviews):
    pytest.importorskip("ray")
    out = str(tmp_path / "o.parquet")
    code, _, err = cli(
        capsys,
        "predict",
        "vader",
        "--file",
        str(tmp_path / "nope.csv"),
        "--out",
        out,
        "--engine",
        "ray",
    )
    assert code == 2 and "nope.csv does not exist" in err
    code, _, err = cli(
        capsys,
        "predict",
        "vader",
        "--file",
        str(reviews["csv"]),
        "--out",
        str(tmp_path / "o.csv"),
        "--engine",
        "ray",
    )
    assert code == 2 and "name the file .parquet" in err
    code, _, err = cli(
        capsys,
        "predict",
        "vader",
        "--file",
        str(reviews["csv"]),
        "--out",
        out,
        "--engine",
        "ray",
        "--keep-columns",
    )
    assert code == 2 and "--keep-columns" in err


def test_cli_vader_and_head_say_they_need_no_ray(tmp_path, capsys):
    from desktop_app.core.scale.train import local_reason
    from tests.core.tiny_models import sentences

    assert "does not need Ray" in local_reason("minilm-head")
    assert local_reason("bilstm") is None
    texts, labels = sentences(40)
    data = tmp_path / "d.csv"
    rows = "\n".join(f"{t},{label}" for t, label in zip(texts, labels, strict=True))
    data.write_text("text,label\n" + rows, encoding="utf-8")
    code, out, err = cli(
        capsys, "train", str(data), "--model", "vader", "--out", str(tmp_path / "v"),
        "--engine", "ray", "--workers", "2", "--json",
    )  # fmt: skip
    assert code == 0, err
    assert "VADER needs no training" in err and "does not need Ray" in err
    doc = json.loads(out)
    assert (doc["engine"], doc["workers"]) == ("local", 1)
