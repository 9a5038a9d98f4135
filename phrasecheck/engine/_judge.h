/* JudgeText's layout, shared by its regions and word edges (_judge_text.c) and its guards
 * (_judge.c). */
#ifndef PHRASECHECK_JUDGE_H
#define PHRASECHECK_JUDGE_H

#include "_native.h"

/* What `judge.compiled_guards` hands over, by index. */
enum { SPEC_RULES, SPEC_NOT_EXCUSING, SPEC_PARTICLES, SPEC_WORD_ENDS, SPEC_FRAMES, SPEC_MENTIONS, SPEC_NOT_REPORTED,
       SPEC_REPORT_ENDS, SPEC_FRAME_REACH, SPEC_RESCORE, SPEC_WORD_SPACED, SPEC_REACHES, SPEC_AFTER_SPEECH, SPEC_PRESENCE,
       SPEC_COUNT };
/* The reaches of `regions` and `judge` (SPEC_REACHES), in characters, by index. */
enum { REACH_UNLESS_HIT, REACH_LONG_SENTENCE, REACH_LONG_SENTENCE_NEAR, REACH_LONG_CLAUSE, REACH_SPACED_REPORT,
       REACH_INERT, REACH_REPORT_END, REACH_FRAME_WINDOW, REACH_COUNT };

enum { SCOPE_HIT, SCOPE_CLAUSE, SCOPE_SENTENCE, SCOPE_UTTERANCE };
enum { LEVEL_CLAUSE = 1, LEVEL_SENTENCE = 2 };

typedef struct {
    const void *verifier;   /* the context's identity: one verifier a pattern */
    Py_ssize_t low, high;
    int found;              /* -1: an empty slot */
} Found;

/* (start, end) spans, grown as they are added (`judge_add_span`). */
typedef struct {
    Py_ssize_t (*items)[2];
    Py_ssize_t count, room;
} Spans;

typedef struct {
    PyObject_HEAD
    PyObject *specs, *original, *norm, *phon, *breaks, *rewritten, *anchored;
    Py_ssize_t length;
    Py_ssize_t reaches[REACH_COUNT];
    const unsigned char *levels;
    Py_ssize_t *edges[3];      /* [LEVEL_CLAUSE], [LEVEL_SENTENCE]: positions inside the text at that level or more */
    Py_ssize_t counts[3];
    unsigned char *latin;      /* length + 1 flags; NULL when no Latin run was converted */
    Py_ssize_t **tokens;       /* word edges of each clause, by its index, built on first use */
    Py_ssize_t *token_counts;
    Spans idle;                /* not_excusing matches, sorted, once `idle_known` */
    Py_ssize_t idle_reach;
    int idle_known;
    Found *found;              /* `first_within` answers, open addressing */
    Py_ssize_t found_size, found_used;
    int reports, mentions;     /* -1 until asked */
    Py_ssize_t *frames;        /* the indexes of the frames matching somewhere in the text (`reports`) */
    Py_ssize_t frame_count;
    int spaced;                /* `wrapping.word_spaced` of the original, -1 until asked */
} JudgeText;

/* Regions.around: the clause (LEVEL_CLAUSE) or sentence holding [start, end). */
void judge_around(const JudgeText *self, Py_ssize_t start, Py_ssize_t end, int level, Py_ssize_t *low, Py_ssize_t *high);
/* Regions.crosses: whether an edge of that level lies strictly inside [start, end). */
int judge_crosses(const JudgeText *self, Py_ssize_t start, Py_ssize_t end, int level);
/* Regions.guarded: where a `scope: clause` or `scope: sentence` context counts. */
void judge_guarded(const JudgeText *self, Py_ssize_t start, Py_ssize_t end, int level, Py_ssize_t reach,
                   Py_ssize_t *low, Py_ssize_t *high);
/* judge.word_edge_problem: whether the hit [start, end) whose last element starts at
 * `last_start` cuts through a word: 1, 0, or -1 with an exception. */
int judge_cuts_word(JudgeText *self, Py_ssize_t start, Py_ssize_t end, Py_ssize_t last_start);
/* Whether `item` is a tuple of at least `size` items, as `judge.compiled_guards` builds them: 1,
 * or 0 with a TypeError. */
int judge_shaped(PyObject *item, Py_ssize_t size);
/* A context's matches anchored in phon[low:high] (`CompiledPattern.search`): a new list of
 * (start, end, ...) tuples, or NULL with an exception. */
PyObject *judge_search(JudgeText *self, PyObject *pattern, Py_ssize_t low, Py_ssize_t high);
/* A match's (start, end): 0, or -1 with an exception. */
int judge_span_of(PyObject *match, Py_ssize_t *start, Py_ssize_t *end);
/* Whether the text's presence bits hold `bit` (`all` true: every pattern of the list is searched). */
int judge_live(const JudgeText *self, PyObject *all, Py_ssize_t bit);
/* The patterns of a list (None, or (all live, ((bit, verifier, starts, values), ...))): 1 with
 * them and whether all are live, 0 for None, -1 with an exception. */
int judge_listed_patterns(PyObject *spec, PyObject **all, PyObject **patterns);
/* A listed pattern's matches anchored in phon[low:high] (a new list), None where its anchor is
 * nowhere in the text, or NULL with an exception. */
PyObject *judge_live_matches(JudgeText *self, PyObject *all, PyObject *pattern, Py_ssize_t low, Py_ssize_t high);
/* Adds a span: 0, or -1 with an exception. */
int judge_add_span(Spans *spans, Py_ssize_t start, Py_ssize_t end);
/* Each match's (start, end) of the live patterns of a list in phon[low:high], added to `spans`:
 * 0, or -1 with an exception. */
int judge_add_matches(JudgeText *self, PyObject *spec, Py_ssize_t low, Py_ssize_t high, Spans *spans);
/* Regions.matching_frames: the frames matching somewhere in the text, into self->frames: 0, or -1. */
int judge_matching_frames(JudgeText *self);
/* judge._frame_problem: whether a frame before the hit at `start` reports it: 1, 0, or -1. */
int judge_reported(JudgeText *self, Py_ssize_t start);
/* The model's frame test of `_first_problem`: whether the sentence [start, end) reports someone's
 * words and, without them, scores below the threshold (`context.rescore`): 1, 0, or -1. */
int judge_only_reports(JudgeText *self, Py_ssize_t start, Py_ssize_t end);
/* Whether the candidate passes every guard but its role and quotation (`verdict`): 1, 0, or -1
 * with an exception (also for a rule or span the text has not). */
int judge_verdict(JudgeText *self, Py_ssize_t rule, Py_ssize_t start, Py_ssize_t end, Py_ssize_t last_start, int model);
/* chosen(candidates, role) (_judge_rank.c) */
PyObject *JudgeText_chosen(JudgeText *self, PyObject *const *args, Py_ssize_t count);
int JudgeText_init(JudgeText *self, PyObject *args, PyObject *kwds);
void JudgeText_dealloc(JudgeText *self);

#endif
