/* PatternVerifier: `CompiledPattern.match_at` in one call, without the reasons of a failure.
 *
 * A pattern's anchor is found by its sound; verifying it walks out from the anchor, element by
 * element, to the nearest occurrence of each within its gap, spelled within its allowance and at
 * the clause edges its ^/$ ask for (`pattern.py`: `match_at`, `_find_left`, `_find_right`,
 * `_find_indexed`, `guess_problem`).  In Python that was 5.6 µs a call and a twelfth of checking
 * STC-3; this makes the same steps over the same strings, with the same ranking of occurrences,
 * and answers (start, end, spans, mismatches, placeholders) or None.  The explain trace, which
 * asks why a match failed, still verifies in Python.  Its layout is in _verify.h, its
 * construction in _verify_init.c.
 */
#include "_verify.h"

/* The text a verification reads. */
typedef struct {
    PyObject *phon;
    int kind;
    const void *data;         /* the folded text */
    Py_ssize_t length;
    const unsigned char *breaks;  /* a level before each folded character and at the end */
} Text;

#define NO_BREAK 0
#define IS_PLACEHOLDER(c) ((c) >= 0xE000 && (c) <= 0xEFFF)

static Py_ssize_t mismatches_at(const Text *text, Py_ssize_t start, PyObject *literal) {
    Py_ssize_t length = PyUnicode_GET_LENGTH(literal), differing = 0;
    if (start < 0) {
        return 0;  /* not met: starts come from finds */
    }
    if (length > text->length - start) {
        length = text->length - start > 0 ? text->length - start : 0;
    }
    int kind = PyUnicode_KIND(literal);
    const void *data = PyUnicode_DATA(literal);
    for (Py_ssize_t i = 0; i < length; i++) {
        Py_UCS4 written = PyUnicode_READ(text->kind, text->data, start + i);
        if (written != PyUnicode_READ(kind, data, i) && !IS_PLACEHOLDER(written)) {
            differing++;
        }
    }
    return differing;
}

static int breaks_ok(const Text *text, const Part *part, Py_ssize_t start, Py_ssize_t end) {
    return !(part->break_before && text->breaks[start] == NO_BREAK) && !(part->break_after && text->breaks[end] == NO_BREAK);
}

/* The nearest valid occurrence of a part, longest on a tie: starting in [low, high] (`right`)
 * or ending in [low, high]: 1 with (found_start, found_end, found_mismatches), 0, or -1. */
static int find_part(const PatternVerifier *self, const Text *text, const Part *part, Py_ssize_t low, Py_ssize_t high,
                     int right, Py_ssize_t *found_start, Py_ssize_t *found_end, Py_ssize_t *found_mismatches) {
    int found = 0;
    Py_ssize_t best_start = 0, best_end = 0, best_mismatches = 0;
    if (!right && low < 0) {
        low = 0;
    }
    for (Py_ssize_t a = part->first; a < part->first + part->count; a++) {
        const Spelling *spelling = &self->spellings[a];
        Py_ssize_t length = spelling->length;
        for (Py_ssize_t k = 0; k < PyTuple_GET_SIZE(spelling->keys); k++) {
            PyObject *key = PyTuple_GET_ITEM(spelling->keys, k);
            Py_ssize_t from = right ? low : (low - length > 0 ? low - length : 0);
            Py_ssize_t position = PyUnicode_Find(text->phon, key, from, right ? high + length : high, right ? 1 : -1);
            while (position >= 0 && (right || position + length >= low)) {
                Py_ssize_t mismatches = mismatches_at(text, position, spelling->norm);
                if (mismatches <= spelling->allowance && breaks_ok(text, part, position, position + length)) {
                    /* right: (start, -length) least; left: (-end, -length) least */
                    int better = !found || (right ? (position < best_start || (position == best_start && length > best_end - best_start))
                                                  : (position + length > best_end
                                                     || (position + length == best_end && length > best_end - best_start)));
                    if (better) {
                        found = 1;
                        best_start = position;
                        best_end = position + length;
                        best_mismatches = mismatches;
                    }
                    break;
                }
                position = right ? PyUnicode_Find(text->phon, key, position + 1, high + length, 1)
                                 : PyUnicode_Find(text->phon, key, from, position + length - 1, -1);
            }
            if (position == -2) {
                return -1;
            }
        }
    }
    *found_start = best_start;
    *found_end = best_end;
    *found_mismatches = best_mismatches;
    return found;
}

static long phonetic_allowance(Py_ssize_t length) {
    return length < 3 ? 0 : (length < 7 ? 1 : 2);
}

/* The walk out from an anchor spelled `spelling` (with `allowance`) at folded offset `start`:
 * 1 with each part's occurrence in `spans` (2 a part; start -1 where an optional one is absent)
 * and the match's homophones and placeholders, 0 when there is no match, -1 on an error. */
static int walk(const PatternVerifier *self, const Text *text, PyObject *spelling, long allowance, Py_ssize_t start,
                int typed_pinyin, int rewritten, Py_ssize_t *spans, Py_ssize_t *mismatches_out, Py_ssize_t *placeholders_out) {
    Py_ssize_t end = start + PyUnicode_GET_LENGTH(spelling);
    if (start < 0 || end > text->length) {
        PyErr_SetString(PyExc_ValueError, "the anchor lies outside the text");
        return -1;
    }
    Py_ssize_t count = self->part_count, anchor = self->anchor;
    Py_ssize_t mismatches = mismatches_at(text, start, spelling);
    if (mismatches > allowance || !breaks_ok(text, &self->parts[anchor], start, end)) {
        return 0;
    }
    for (Py_ssize_t i = 0; i < count; i++) {
        spans[2 * i] = -1;
    }
    spans[2 * anchor] = start;
    spans[2 * anchor + 1] = end;
    Py_ssize_t cursor = start, gap = self->parts[anchor].gap_before;
    for (Py_ssize_t i = anchor - 1; i >= 0; i--) {  /* leftwards from the anchor */
        const Part *part = &self->parts[i];
        Py_ssize_t found_start, found_end, found_mismatches;
        int found = find_part(self, text, part, cursor - gap, cursor, 0, &found_start, &found_end, &found_mismatches);
        if (found <= 0) {
            if (found < 0) {
                return -1;
            }
            if (!part->optional || ((part->break_before || part->break_after) && text->breaks[cursor] == NO_BREAK)) {
                return 0;
            }
            gap += part->gap_before;
            continue;
        }
        spans[2 * i] = found_start;
        spans[2 * i + 1] = found_end;
        mismatches += found_mismatches;
        cursor = found_start;
        gap = part->gap_before;
    }
    cursor = end;
    gap = 0;
    for (Py_ssize_t i = anchor + 1; i < count; i++) {  /* rightwards */
        const Part *part = &self->parts[i];
        Py_ssize_t found_start, found_end, found_mismatches;
        gap += part->gap_before;
        int found = find_part(self, text, part, cursor, cursor + gap, 1, &found_start, &found_end, &found_mismatches);
        if (found <= 0) {
            if (found < 0) {
                return -1;
            }
            if (!part->optional || ((part->break_before || part->break_after) && text->breaks[cursor] == NO_BREAK)) {
                return 0;
            }
            continue;
        }
        spans[2 * i] = found_start;
        spans[2 * i + 1] = found_end;
        mismatches += found_mismatches;
        cursor = found_end;
        gap = 0;
    }
    Py_ssize_t placeholders = 0, matched = 0;
    for (Py_ssize_t i = 0; i < count; i++) {
        if (spans[2 * i] < 0) {
            continue;
        }
        matched += spans[2 * i + 1] - spans[2 * i];
        for (Py_ssize_t p = spans[2 * i]; rewritten && p < spans[2 * i + 1]; p++) {
            placeholders += IS_PLACEHOLDER(PyUnicode_READ(text->kind, text->data, p));
        }
    }
    if (mismatches || (placeholders && !typed_pinyin)) {  /* `guess_problem` */
        if (mismatches > phonetic_allowance(matched)) {
            return 0;
        }
        int whole = placeholders == matched && matched >= self->whole_pinyin;
        if (matched - mismatches - placeholders < 2 && (mismatches || !(matched >= self->full_pinyin || whole))) {
            return 0;
        }
    }
    *mismatches_out = mismatches;
    *placeholders_out = placeholders;
    return 1;
}

/* Room for two offsets a part: on the stack for the patterns there are. */
#define STACK_PARTS 16

static int text_of(Text *text, PyObject *norm, PyObject *phon, const unsigned char *breaks) {
    text->phon = phon;
    text->kind = PyUnicode_KIND(norm);
    text->data = PyUnicode_DATA(norm);
    text->length = PyUnicode_GET_LENGTH(norm);
    text->breaks = breaks;
    if (PyUnicode_GET_LENGTH(phon) != text->length) {
        PyErr_SetString(PyExc_ValueError, "phon must hold one character per folded character");
        return -1;
    }
    return 0;
}

/* The walk around an anchor of an initialised PatternVerifier (`walk`), its spans into `*spans`:
 * `small` when the parts fit it, else a buffer the caller frees.  1, 0, or -1 with an exception. */
static int walked(PyObject *verifier, PyObject *norm, PyObject *phon, const unsigned char *breaks, PyObject *spelling,
                  long allowance, Py_ssize_t start, int typed_pinyin, int rewritten, Py_ssize_t *small,
                  Py_ssize_t **spans, Py_ssize_t *mismatches, Py_ssize_t *placeholders) {
    PatternVerifier *self = (PatternVerifier *)verifier;
    Text text;
    if (!PyObject_TypeCheck(verifier, &PatternVerifierType) || self->parts == NULL) {
        PyErr_SetString(PyExc_TypeError, "expected an initialised PatternVerifier");
        return -1;
    }
    if (text_of(&text, norm, phon, breaks) < 0) {
        return -1;
    }
    if (self->part_count > STACK_PARTS && !(*spans = PyMem_Malloc(sizeof(Py_ssize_t) * 2 * self->part_count))) {
        *spans = small;
        PyErr_NoMemory();
        return -1;
    }
    return walk(self, &text, spelling, allowance, start, typed_pinyin, rewritten, *spans, mismatches, placeholders);
}

int verifier_finds(PyObject *verifier, PyObject *norm, PyObject *phon, const unsigned char *breaks, PyObject *spelling,
                   long allowance, Py_ssize_t start, int rewritten) {
    Py_ssize_t small[2 * STACK_PARTS], *spans = small, mismatches, placeholders;
    int found = walked(verifier, norm, phon, breaks, spelling, allowance, start, 0, rewritten, small, &spans,
                       &mismatches, &placeholders);
    if (spans != small) {
        PyMem_Free(spans);
    }
    return found;
}

PyObject *verifier_match(PyObject *verifier, PyObject *norm, PyObject *phon, const unsigned char *breaks,
                         PyObject *spelling, long allowance, Py_ssize_t start, int typed_pinyin, int rewritten) {
    Py_ssize_t small[2 * STACK_PARTS], *spans = small, mismatches = 0, placeholders = 0, present = 0, first = -1, last = -1;
    int found = walked(verifier, norm, phon, breaks, spelling, allowance, start, typed_pinyin, rewritten, small, &spans,
                       &mismatches, &placeholders);
    PyObject *result = NULL;
    if (found == 0) {
        result = Py_None;
        Py_INCREF(result);
    } else if (found > 0) {
        Py_ssize_t count = ((PatternVerifier *)verifier)->part_count;
        for (Py_ssize_t i = 0; i < count; i++) {
            if (spans[2 * i] >= 0) {
                present++;
                first = first < 0 ? i : first;
                last = i;
            }
        }
        PyObject *tuple = PyTuple_New(present);
        for (Py_ssize_t i = 0, n = 0; tuple != NULL && i < count; i++) {
            if (spans[2 * i] >= 0) {
                PyObject *span = Py_BuildValue("(nn)", spans[2 * i], spans[2 * i + 1]);
                if (span == NULL) {
                    Py_CLEAR(tuple);
                    break;
                }
                PyTuple_SET_ITEM(tuple, n++, span);
            }
        }
        if (tuple != NULL) {
            result = Py_BuildValue("(nnNnn)", spans[2 * first], spans[2 * last + 1], tuple, mismatches, placeholders);
        }
    }
    if (spans != small) {
        PyMem_Free(spans);
    }
    return result;
}

/* match(norm, phon, breaks, spelling, allowance, start, typed_pinyin, rewritten): the match of
 * the pattern whose anchor is `spelling` (with `allowance`) at folded offset `start`, as
 * (start, end, spans, mismatches, placeholders), or None. */
static PyObject *PatternVerifier_match(PatternVerifier *self, PyObject *args) {
    PyObject *norm, *phon, *spelling;
    const unsigned char *breaks;
    Py_ssize_t breaks_size, start;
    long allowance;
    int typed_pinyin, rewritten;
    if (!PyArg_ParseTuple(args, "UUy#Ulnpp", &norm, &phon, &breaks, &breaks_size, &spelling, &allowance, &start,
                          &typed_pinyin, &rewritten)) {
        return NULL;
    }
    if (self->parts == NULL) {
        PyErr_SetString(PyExc_RuntimeError, "PatternVerifier not initialised");
        return NULL;
    }
    if (breaks_size != PyUnicode_GET_LENGTH(norm) + 1) {
        PyErr_SetString(PyExc_ValueError, "breaks must hold one level per folded character and one at the end");
        return NULL;
    }
    return verifier_match((PyObject *)self, norm, phon, breaks, spelling, allowance, start, typed_pinyin, rewritten);
}

static PyMethodDef PatternVerifier_methods[] = {
    {"match", (PyCFunction)PatternVerifier_match, METH_VARARGS,
     "match(norm, phon, breaks, spelling, allowance, start, typed_pinyin, rewritten): (start, end, spans, "
     "mismatches, placeholders) of the match anchored at `start`, or None."},
    {NULL}
};

PyTypeObject PatternVerifierType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "phrasecheck.engine._native.PatternVerifier",
    .tp_basicsize = sizeof(PatternVerifier),
    .tp_dealloc = (destructor)PatternVerifier_dealloc,
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_doc = "PatternVerifier(parts, anchor, full_pinyin, whole_pinyin): see pattern.py.",
    .tp_methods = PatternVerifier_methods,
    .tp_init = (initproc)PatternVerifier_init,
    .tp_new = PyType_GenericNew,
};
