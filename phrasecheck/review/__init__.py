"""The review and appeal loop: reviewers' verdicts and agents' appeals in plain files, applied to
a scored run (`phrasecheck review`), and the reviewed hits as a regression set that
`phrasecheck lexicon test --regression` runs.

`verdicts` reads and checks the files; `hits` finds the hit a verdict names; `outcome` prices each
stage of one conversation with the run's template; `report` writes the reviewed reports; `run`
streams a run through all of it; `regression` exports and runs the labelled examples.
"""

from .outcome import ConversationReview, review_conversation
from .run import ReviewError, Summary, review_run
from .verdicts import COLUMNS, Verdict, read_verdicts

__all__ = ["COLUMNS", "ConversationReview", "ReviewError", "Summary", "Verdict", "read_verdicts", "review_conversation",
           "review_run"]
