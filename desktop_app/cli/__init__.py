"""Command line: headless subcommands that share the core with the GUI.

``sentiment-studio [FILE]`` starts the GUI (opening FILE); ``sentiment-studio
COMMAND ...`` runs a headless subcommand. Headless commands never import Qt.

Each subcommand lives in its own module under ``desktop_app.cli`` with
``HELP`` (one line), ``add_arguments(parser)`` and ``run(args) -> int``.
"""

from __future__ import annotations

import argparse
import importlib
import sys

from desktop_app import APP_NAME, __version__

# name -> module (imported only when that command runs, so --help stays fast)
COMMANDS: dict[str, str] = {
    "inspect": "desktop_app.cli.inspect_cmd",
    "project": "desktop_app.cli.project_cmd",
    "predict": "desktop_app.cli.predict_cmd",
    "explain": "desktop_app.cli.explain_cmd",
    "self-test": "desktop_app.cli.self_test_cmd",
    "train": "desktop_app.cli.train_cmd",
    "evaluate": "desktop_app.cli.evaluate_cmd",
    "runs": "desktop_app.cli.runs_cmd",
}

COMMAND_HELP: dict[str, str] = {
    "inspect": "print a data file's load report and statistics",
    "project": "import data into a .sstudio project, export its labels, or show statistics",
    "predict": "predict texts or every row of a data file (MODEL is a folder or 'vader')",
    "explain": "explain one prediction with LIME: word weights, stability, deletion check",
    "self-test": "start the app offscreen, predict/explain/train once; exit 0 if all pass",
    "train": "train a model on a labelled file, print test metrics, save it to a folder",
    "evaluate": "test a saved model (or 'vader') on the labelled rows it never saw",
    "runs": "list, show, compare, rename, pin or delete the training runs kept so far",
}


def _top_parser() -> argparse.ArgumentParser:
    lines = "\n".join(f"  {name:<11} {COMMAND_HELP.get(name, '')}" for name in COMMANDS)
    parser = argparse.ArgumentParser(
        prog="sentiment-studio",
        description=f"{APP_NAME} {__version__}: label, train, predict and explain text sentiment.",
        epilog=(
            "subcommands (run `sentiment-studio COMMAND --help` for each):\n"
            f"{lines}\n\n"
            "Without a subcommand the desktop app starts; FILE (a data file or a .sstudio\n"
            "project) is opened in it."
        ),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("file", nargs="?", help="data file or project to open in the app")
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    return parser


def command_parser(name: str) -> tuple[argparse.ArgumentParser, object]:
    module = importlib.import_module(COMMANDS[name])
    parser = argparse.ArgumentParser(
        prog=f"sentiment-studio {name}", description=getattr(module, "HELP", "")
    )
    module.add_arguments(parser)
    return parser, module


def main(argv: list[str]) -> int:
    if argv and argv[0] in COMMANDS:
        from desktop_app.cli.common import run_command

        parser, module = command_parser(argv[0])
        args = parser.parse_args(argv[1:])
        return run_command(module, args)
    args = _top_parser().parse_args(argv)
    from desktop_app.ui.app import run_gui

    return run_gui(args.file)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
