/* What the parts of the `_native` extension share. */
#ifndef PHRASECHECK_NATIVE_H
#define PHRASECHECK_NATIVE_H

#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* Asks memory for what a loop reads a little later (a hint: nothing where the compiler has none). */
#if defined(__GNUC__) || defined(__clang__)
#define PREFETCH(address) __builtin_prefetch(address)
#else
#define PREFETCH(address) ((void)(address))
#endif

/* A string's hash, character by character (FNV-1a steps), then spread over all 64 bits: the
 * n-gram table's and the word graph's. */
static inline uint64_t mix(uint64_t h, Py_UCS4 c) {
    return (h ^ (uint64_t)c) * 1099511628211ULL;
}

static inline uint64_t finish(uint64_t h) {
    h ^= h >> 29;
    h *= 0xbf58476d1ce4e5b9ULL;
    return h ^ (h >> 32);
}

/* bisect_left (`right` 0) or bisect_right (`right` 1) over a sorted C array. */
static inline Py_ssize_t bisect(const Py_ssize_t *values, Py_ssize_t count, Py_ssize_t value, int right) {
    Py_ssize_t low = 0, high = count;
    while (low < high) {
        Py_ssize_t middle = (low + high) / 2;
        if (right ? value < values[middle] : value <= values[middle]) {
            high = middle;
        } else {
            low = middle + 1;
        }
    }
    return low;
}

/* Appends a new reference to `list` and drops it: -1 (an exception set) when `item` is NULL, as
 * the call that made it failed, or when the append fails. */
static inline int append_new(PyObject *list, PyObject *item) {
    if (item == NULL) {
        return -1;
    }
    int result = PyList_Append(list, item);
    Py_DECREF(item);
    return result;
}

/* The arguments of a METH_FASTCALL method, as PyArg_ParseTuple would take them for `format`
 * (U: a str, C: a str of one character, d: a float, n: an int, O: any object) but without a tuple
 * or a format's general machinery: what the plain check's calls for every text use.  0, or -1 with
 * a TypeError naming `name`. */
int fast_arguments(const char *name, PyObject *const *args, Py_ssize_t count, const char *format, ...);

/* The boundary level (0 none, 1 clause, 2 sentence) before each character of a marked text that
 * is not a mark (U+0000 a clause's, U+0001 a sentence's) and at its end, into `levels`, which
 * holds `length + 1` and is cleared first: `breaks.boundaries`.  Answers how many characters
 * besides marks the text holds (at most `length + 1` counted). */
static inline Py_ssize_t mark_levels(int kind, const void *data, Py_ssize_t size, unsigned char *levels, Py_ssize_t length) {
    Py_ssize_t index = 0;
    memset(levels, 0, (size_t)length + 1);
    for (Py_ssize_t i = 0; i < size && index <= length; i++) {
        Py_UCS4 c = PyUnicode_READ(kind, data, i);
        if (c > 1) {
            index++;
        } else if (index <= length && levels[index] < (c == 1 ? 2 : 1)) {
            levels[index] = c == 1 ? 2 : 1;
        }
    }
    levels[0] = levels[length] = 2;
    return index;
}

/* Whether the pattern `verifier` (a PatternVerifier) matches around an anchor spelled `spelling`
 * at `start` of a folded text (norm, phon, its boundary levels), no syllable typed in pinyin
 * accepted: 1, 0, or -1 with an exception (_verify.c). */
int verifier_finds(PyObject *verifier, PyObject *norm, PyObject *phon, const unsigned char *breaks, PyObject *spelling,
                   long allowance, Py_ssize_t start, int rewritten);

/* The match of the pattern `verifier` (an initialised PatternVerifier) anchored on `spelling` at
 * `start`, as (start, end, spans, mismatches, placeholders), or None; NULL with an exception.
 * `breaks` holds one level per folded character and one at the end (_verify.c). */
PyObject *verifier_match(PyObject *verifier, PyObject *norm, PyObject *phon, const unsigned char *breaks,
                         PyObject *spelling, long allowance, Py_ssize_t start, int typed_pinyin, int rewritten);

/* An anchor spelling's (an `Alternative`'s) norm, a new reference to a str, and its allowance:
 * 0, or -1 with an exception (_search.c). */
int spelling_of(PyObject *alternative, PyObject **norm, long *allowance);

/* One entry per value of each of a text's hits (`Matcher.find`'s (end_index, values)), in order: a
 * pattern's match as its compiled `match_at` finds it at that place of the folded text (norm,
 * phon, its boundary levels), None where it fails, Ellipsis for a value told in Python (a list
 * entry, a fuzzy shingle); NULL with an exception (_hits.c). */
PyObject *verified_hits(PyObject *hits, PyObject *folded, PyObject *phon, const unsigned char *breaks, int rewritten);

/* (starts, ends) of a folded text's characters as two tuples of ints, each start that is the end
 * before it the same int (_native.c: `offsets`, and the plain check's for a text that goes on). */
PyObject *offset_spans(const Py_ssize_t *starts, const Py_ssize_t *ends, Py_ssize_t count);

/* told_candidates(hits, verified, make, confidences, align, text, shingle) (_hits.c): `Matcher.verify`'s
 * candidates built from what `verified_hits` told and the fuzzy phrases aligned, or None where a
 * value was not told. */
PyObject *told_candidates(PyObject *module, PyObject *const *args, Py_ssize_t count);

/* search_anchored(verifier, norm, phon, breaks, starts, values, low, high, rewritten) (_search.c). */
PyObject *search_anchored(PyObject *module, PyObject *const *args, Py_ssize_t count);

/* Whether `c` is one of `count` sorted code points. */
static inline int in_sorted(const uint32_t *points, Py_ssize_t count, Py_UCS4 c) {
    Py_ssize_t low = 0, high = count;
    while (low < high) {
        Py_ssize_t middle = (low + high) / 2;
        if (points[middle] < c) {
            low = middle + 1;
        } else {
            high = middle;
        }
    }
    return low < count && points[low] == c;
}

/* Whether `c` is one of the sorted code points held in `sorted`, bytes of uint32 each: a character
 * beyond the BMP the fold table drops (emoji, tags), which a plain text may hold. */
static inline int listed_beyond(PyObject *sorted, Py_UCS4 c) {
    return in_sorted((const uint32_t *)PyBytes_AS_STRING(sorted), PyBytes_GET_SIZE(sorted) / (Py_ssize_t)sizeof(uint32_t), c);
}

/* quiet_base(rare, plans, secondary, contexts, code_marks, name_reach, beyond, text) (_front.c): a text's
 * source when it needs no rewrite, or None. */
PyObject *quiet_base(PyObject *module, PyObject *const *args, Py_ssize_t count);

/* What `latin._is_code` reads (_latin.c): the characters that make a run part of a code, and how
 * far back an @name may start. */
typedef struct {
    PyObject *marks;
    Py_ssize_t name_reach;
    PyObject *toned;       /* letters with tone marks a neighbouring word may hold (`latin_rewrite` only) */
} CodeContext;
/* latin._is_code: whether the run [start, end) of a text (kind, data, length) is part of a code,
 * URL, number or @name. */
int is_code(const CodeContext *code, int kind, const void *data, Py_ssize_t length, Py_ssize_t start, Py_ssize_t end);
/* latin_rewrite(...) (_latin.c): `LatinRuns.rewrite` of a text whose runs are planned. */
PyObject *latin_rewrite(PyObject *module, PyObject *const *args, Py_ssize_t count);

/* rewritten(original, starts, ends, folded_length, edges, hits, settings) (_rewrite.c): a flagged
 * message's rewrite, or None. */
PyObject *rewritten(PyObject *module, PyObject *args);

/* through(origins, length, starts, ends) (_origins.c): a folded text's spans in a rewrite of the
 * original mapped back to the original through the rewrite's segments (`latin.Rewrite`). */
PyObject *through(PyObject *module, PyObject *args);

/* The characters a text's phonetic string holds, as a bitmap over Latin-1 and the Private Use Area
 * block of the phonetic classes (U+E000 on); others are not kept, and may always be there. */
#define HEARD_BITS 0x400

typedef struct {
    uint64_t bits[HEARD_BITS / 64];
} Heard;

static inline Py_ssize_t heard_bit(Py_UCS4 c) {
    if (c < 0x100) {
        return c;
    }
    return c >= 0xE000 && c < 0xE000 + HEARD_BITS - 0x100 ? 0x100 + (Py_ssize_t)(c - 0xE000) : -1;
}

/* Whether `c` may stand in the text: 0 only where it surely does not. */
static inline int may_hear(const Heard *heard, Py_UCS4 c) {
    Py_ssize_t bit = heard_bit(c);
    return bit < 0 || ((heard->bits[bit >> 6] >> (bit & 63)) & 1);
}

void heard_from(Heard *heard, PyObject *phon);

/* A list of needles (str) and what a long group of them is searched by (_needles.c). */
#define INDEXED_NEEDLES 16  /* a group longer than this is searched position by position */

typedef struct {
    PyObject *items;
    int32_t *firsts;      /* each needle's first character, -1 for an empty one */
    int32_t *lasts;       /* and its last */
    Py_ssize_t longest;
} Needles;

/* `group` over a list of str (a new reference kept): 0, or -1 with an exception. */
int needles_of_list(Needles *group, PyObject *items);
void needles_clear(Needles *group);
/* Whether the group [first, last) can be searched: one longer than INDEXED_NEEDLES is bisected,
 * so its first characters must never decrease. */
int firsts_sorted(const int32_t *firsts, int32_t first, int32_t last);

/* Whether one of the needles [first, last) of `group` lies inside phon[low:high], the window
 * widened before `low` or after `high` by the needle's length where asked (a needle ending in it,
 * or starting in it): 1, 0, or -1 (error). */
int any_needle(const Needles *group, int32_t first, int32_t last, const Heard *heard, PyObject *phon, Py_ssize_t low,
               Py_ssize_t high, int widen_low, int widen_high);

extern PyTypeObject GramTableType;
extern PyTypeObject HitFilterType;
extern PyTypeObject PlainCheckType;
extern PyTypeObject WordGraphType;
extern PyTypeObject PatternVerifierType;
extern PyTypeObject KeyAutomatonType;
extern PyTypeObject JudgeTextType;

#endif
