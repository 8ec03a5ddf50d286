"""`python -m desktop_app ... | head`: a reader that goes away is not an error of ours."""

import subprocess
import sys


def test_a_closed_pipe_ends_the_command_quietly():
    # About 200 KB of output: more than a pipe holds, so the writer meets the closed end.
    texts = [f"a good film number {i} " * 8 for i in range(1200)]
    args = [sys.executable, "-m", "desktop_app", "predict", "vader"]
    for text in texts:
        args += ["--text", text]
    proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    proc.stdout.read(100)  # the first line, as `head -c 100` would
    proc.stdout.close()
    err = proc.stderr.read().decode()
    code = proc.wait(timeout=120)
    assert code == 141, err
    assert "Traceback" not in err and "BrokenPipe" not in err
