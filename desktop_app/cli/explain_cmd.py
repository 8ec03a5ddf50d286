"""``explain MODEL --text T``: LIME word weights with stability and a deletion check."""

from __future__ import annotations

import argparse

from desktop_app.cli import precision
from desktop_app.cli.common import eprint, print_json, stderr_context

HELP = "explain one prediction with LIME (stability over runs, deletion check, audit)"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("model", metavar="MODEL", help="a saved model folder, or 'vader'")
    parser.add_argument("--text", required=True, metavar="T", help="the text to explain")
    parser.add_argument(
        "--num-samples", type=int, default=1000, help="LIME samples per run (default 1000)"
    )
    parser.add_argument(
        "--num-features", type=int, default=None, help="words in the explanation (default: all)"
    )
    parser.add_argument("--label", help="class to explain (default: the predicted one)")
    parser.add_argument("--seed", type=int, default=0, help="first seed (default 0)")
    parser.add_argument(
        "--runs", type=int, default=3, help="runs with seeds S, S+1, ... (default 3)"
    )
    parser.add_argument(
        "--word-limit",
        type=int,
        default=200,
        help="longer texts are explained by sentence (default 200 words)",
    )
    parser.add_argument("--html", metavar="OUT.html", help="also write the HTML report")
    parser.add_argument("--csv", metavar="OUT.csv", help="also write the weights as CSV")
    precision.add_argument(parser, explanation=True)
    parser.add_argument("--json", action="store_true", help="print one JSON document")


def run(args: argparse.Namespace) -> int:
    from desktop_app.core.explain.explainer import check_params, explain_text
    from desktop_app.core.models import load_model

    check_params(args.text, args.num_samples, args.runs, args.num_features)  # before the load
    model = load_model(args.model)
    with precision.applied(model, args.precision, explanation=True) as choice:
        result = explain_text(
            model,
            args.text,
            num_samples=args.num_samples,
            num_features=args.num_features,
            label=args.label,
            seed=args.seed,
            runs=args.runs,
            word_limit=args.word_limit,
            ctx=stderr_context(),
        )
    written = {}
    if args.html:
        from desktop_app.core.explain.export import write_html

        written["html"] = write_html(result, args.html)
    if args.csv:
        from desktop_app.core.explain.export import write_csv

        written["csv"] = write_csv(result, args.csv)
    for note in result["notes"]:
        eprint(f"note: {note}")
    if args.json:
        keys = ("word", "mean_weight", "sd", "sign_agreement", "unstable", "count", "weights")
        print_json(
            {
                "label": result["label"],
                "predicted": result["predicted"],
                "probabilities": result["probabilities"],
                "words": [{k: w[k] for k in keys} for w in result["words"]],
                "deletion_check": result["deletion_check"],
                "timings": result["timings"],
                "level": result["level"],
                "notes": result["notes"],
                "truncated": result["truncated"],
                "chunks": result["chunks"],
                "sentence_probabilities": result["sentence_probabilities"],
                "seeds": result["seeds"],
                "num_samples": result["num_samples"],
                "runs": result["runs"],
                "audit": result["audit"],
                "files": written,
                **precision.fields(choice),
            }
        )
        return 0
    _print_text(result, written)
    return 0


def _print_text(result: dict, written: dict) -> None:
    probs = ", ".join(f"{k} {v:.3f}" for k, v in result["probabilities"].items())
    print(f"Predicted {result['predicted']} ({probs}); explaining {result['label']!r}.")
    print(f"{'word':<20} {'mean':>9} {'sd':>8} {'agree':>6}")
    for w in result["words"][:20]:
        word = w["word"] if len(w["word"]) <= 20 else w["word"][:19] + "…"
        flag = "  unstable" if w["unstable"] else ""
        print(
            f"{word:<20} {w['mean_weight']:>+9.4f} {w['sd']:>8.4f} {w['sign_agreement']:>6.0%}{flag}"
        )
    check = result["deletion_check"]
    if check["k"]:
        print(
            f"Deletion check: removing the top {check['k']} words ({', '.join(check['top_words'])}) "
            f"drops P({result['label']}) by {check['top_k_drop']:+.3f}; "
            f"{check['k']} random words: {check['random_drop']:+.3f} on average "
            f"({check['random_draws']} draws)."
        )
    t = result["timings"]
    print(
        f"Time {t['total_s']:.2f}s: model ({result['precision']}) {t['model_s']:.2f}s on {t['model_texts']:,} texts "
        f"({t['distinct_texts']:,} distinct of {t['requested_texts']:,}), "
        f"LIME {t['lime_s']:.2f}s."
    )
    for kind, path in written.items():
        print(f"Wrote {kind.upper()}: {path}")
