"""The labelled texts shipped with intake: the training corpus and, apart, the held-out texts.

Format: "## type/subtype/category" starts a label's block, then one text a line; lines
starting with "#" are comments. The held-out file is never read for training.
"""

from pathlib import Path

from services.intake.domain.text_model import Example

DATA = Path(__file__).resolve().parents[1] / "data"
CORPUS = DATA / "corpus"
HELDOUT = DATA / "heldout" / "heldout.txt"


def read_labelled(path: Path) -> list[Example]:
    examples, label = [], None
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        line = line.strip()
        if line.startswith("## "):
            label = line[3:].strip()
        elif line and not line.startswith("#"):
            if label is None:
                raise ValueError(f"{path.name}:{number}: a text before any '## label' line")
            examples.append(Example(line, label))
    return examples


def training_corpus(folder: Path = CORPUS) -> list[Example]:
    return [e for path in sorted(folder.glob("*.txt")) for e in read_labelled(path)]


def heldout(path: Path = HELDOUT) -> list[Example]:
    return read_labelled(path)
