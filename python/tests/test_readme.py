"""The README's notebook example runs (on the phantom series) and shows what it says."""
import os
import re

from conftest import HERE


def test_readme_example(series, monkeypatch, capsys):
    text = open(os.path.join(HERE, "..", "README.md")).read()
    code = re.search(r"<!-- example -->\n```python\n(.*?)```", text, re.S).group(1)
    root = series.parent.parent.parent  # the example's relative path starts here
    monkeypatch.chdir(root)
    ns = {}
    exec(compile(code, "python/README.md", "exec"), ns)
    assert os.path.getsize(root / "healing.png") > 10000
    red = dict(zip(ns["days"], ns["redness"]))
    assert len(red) == 9 and red[1] > red[0] + 1 and red[42] < red[1]  # the peak after the procedure, then healing
    assert ns["maps"]["a"].shape[0] > 10
    assert "day 42 vs day 0:" in capsys.readouterr().out
