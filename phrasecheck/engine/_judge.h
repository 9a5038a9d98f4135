/* JudgeText's layout, shared by its regions and word edges (_judge_text.c) and its guards
 * (_judge.c). */
#ifndef PHRASECHECK_JUDGE_H
#define PHRASECHECK_JUDGE_H

#include "_native.h"

#define UNLESS_HIT_REACH 12
#define LONG_SENTENCE 60
#define LONG_SENTENCE_REACH 20
#define LONG_CLAUSE_REACH 10

enum { SCOPE_HIT, SCOPE_CLAUSE, SCOPE_SENTENCE, SCOPE_UTTERANCE };
enum { LEVEL_CLAUSE = 1, LEVEL_SENTENCE = 2 };

typedef struct {
    const void *verifier;   /* the context's identity: one verifier a pattern */
    Py_ssize_t low, high;
    int found;              /* -1: an empty slot */
} Found;

typedef struct {
    PyObject_HEAD
    PyObject *specs, *norm, *phon, *breaks, *rewritten, *anchored;
    Py_ssize_t length;
    const unsigned char *levels;
    Py_ssize_t *edges[3];      /* [LEVEL_CLAUSE], [LEVEL_SENTENCE]: positions inside the text at that level or more */
    Py_ssize_t counts[3];
    unsigned char *latin;      /* length + 1 flags; NULL when no Latin run was converted */
    Py_ssize_t **tokens;       /* word edges of each clause, by its index, built on first use */
    Py_ssize_t *token_counts;
    Py_ssize_t (*idle)[2];     /* not_excusing matches, sorted; NULL until asked */
    Py_ssize_t idle_count, idle_reach;
    Found *found;              /* `first_within` answers, open addressing */
    Py_ssize_t found_size, found_used;
    int reports, mentions;     /* -1 until asked */
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
int JudgeText_init(JudgeText *self, PyObject *args, PyObject *kwds);
void JudgeText_dealloc(JudgeText *self);

#endif
