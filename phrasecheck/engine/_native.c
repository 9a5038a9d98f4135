/* The engine's compiled parts, one extension module (`hatch_build.py` builds it; each part has a
 * Python fallback giving the same answers):
 *   - KeyAutomaton (_keyscan.c): the matcher's scan, every key in a text;
 *   - GramTable (_gramtable.c): the category model's n-gram sums (_gramsums.c) and the anchor
 *     presence's union of bits (_gramunion.c);
 *   - HitFilter (_hitfilter.c): the first tests of verification on the matcher's hits;
 *   - PlainCheck (_plain.c): a plain text with nothing to check further, told in one call;
 *   - WordGraph (_wordgraph.c): the word edges of jieba's no-HMM cut, for the judge;
 *   - PatternVerifier (_verify.c): a pattern's match around an anchor, as `match_at` finds it;
 *   - search_anchored (_search.c): a context pattern's search of a window;
 *   - JudgeText (_judge.c): the judge's guards of a text that quotes and reports nothing;
 *   - quiet_base (_front.c): a text's source with its pauses marked, where it needs no rewrite;
 *   - latin_rewrite (_latin.c): a text's Latin runs converted by their plans (`LatinRuns.rewrite`);
 *   - rewritten (_rewrite.c): a flagged message's rewrite, each hit's standard line in its place;
 *   - through (_origins.c): a folded text's offsets mapped back through a rewrite's segments;
 *   - translate, offsets and boundaries (here): one-to-one character tables, where each folded
 *     character comes from, and where the marks of clauses and sentences stood.
 */
#include <stdarg.h>

#include "_native.h"

int fast_arguments(const char *name, PyObject *const *args, Py_ssize_t count, const char *format, ...) {
    Py_ssize_t wanted = (Py_ssize_t)strlen(format);
    if (count != wanted) {
        PyErr_Format(PyExc_TypeError, "%s() takes %zd arguments (%zd given)", name, wanted, count);
        return -1;
    }
    va_list out;
    va_start(out, format);
    int result = 0;
    for (Py_ssize_t i = 0; i < count && result == 0; i++) {
        PyObject *arg = args[i];
        switch (format[i]) {
        case 'U':
            if (!PyUnicode_Check(arg)) {
                result = -1;
            } else {
                *va_arg(out, PyObject **) = arg;
            }
            break;
        case 'C':
            if (!PyUnicode_Check(arg) || PyUnicode_GET_LENGTH(arg) != 1) {
                result = -1;
            } else {
                *va_arg(out, Py_UCS4 *) = PyUnicode_READ_CHAR(arg, 0);
            }
            break;
        case 'd': {
            double value = PyFloat_AsDouble(arg);
            if (value == -1.0 && PyErr_Occurred()) {
                /* a number that does not fit keeps its own error; any other object is named below */
                result = -2;
                if (PyErr_ExceptionMatches(PyExc_TypeError)) {
                    PyErr_Clear();
                    result = -1;
                }
            } else {
                *va_arg(out, double *) = value;
            }
            break;
        }
        case 'n': {
            Py_ssize_t value = PyLong_Check(arg) ? PyLong_AsSsize_t(arg) : -1;
            if (!PyLong_Check(arg)) {
                result = -1;
            } else if (value == -1 && PyErr_Occurred()) {
                result = -2;  /* an int too large keeps its OverflowError */
            } else {
                *va_arg(out, Py_ssize_t *) = value;
            }
            break;
        }
        default:  /* 'O' */
            *va_arg(out, PyObject **) = arg;
        }
        if (result == -1) {
            PyErr_Format(PyExc_TypeError, "%s() argument %zd must be %s, not %.50s", name, i + 1,
                         format[i] == 'U' ? "str" : format[i] == 'C' ? "a character" : format[i] == 'd' ? "float" : "int",
                         Py_TYPE(arg)->tp_name);
        }
    }
    va_end(out);
    return result < 0 ? -1 : 0;
}

/* translate(text, table): each character below len(table) replaced by the table's character at
 * its code point, the others kept; what str.translate does with a string table, without a
 * lookup through the object protocol per character (a tenth of the time). */
static PyObject *translate(PyObject *Py_UNUSED(module), PyObject *args) {
    PyObject *text, *table;
    if (!PyArg_ParseTuple(args, "UU", &text, &table)) {
        return NULL;
    }
    Py_ssize_t length = PyUnicode_GET_LENGTH(text), size = PyUnicode_GET_LENGTH(table);
    int kind = PyUnicode_KIND(text), table_kind = PyUnicode_KIND(table);
    const void *data = PyUnicode_DATA(text), *table_data = PyUnicode_DATA(table);
    Py_UCS4 small[256];
    Py_UCS4 *out = length <= 256 ? small : PyMem_Malloc(sizeof(Py_UCS4) * length);
    if (out == NULL) {
        return PyErr_NoMemory();
    }
    for (Py_ssize_t i = 0; i < length; i++) {
        Py_UCS4 c = PyUnicode_READ(kind, data, i);
        out[i] = (Py_ssize_t)c < size ? PyUnicode_READ(table_kind, table_data, c) : c;
    }
    PyObject *result = PyUnicode_FromKindAndData(PyUnicode_4BYTE_KIND, out, length);
    if (out != small) {
        PyMem_Free(out);
    }
    return result;
}

/* offsets(text, translated, table, dropped, beyond, widened, widened_beyond): where each character
 * of a folded text comes from in `text`, as (starts, ends): `translated` is `text` with each
 * character folded one to one and the dropped ones gone (a BMP character is dropped when `table`
 * maps it to `dropped`, one beyond the BMP when it is in `beyond`, a sorted array of code points);
 * marks (U+0000, U+0001) are then left out, and a run of three or more of one character keeps two,
 * the second standing for the rest of the run.  None when `text` holds a character that folds to
 * several (a bit of `widened` per BMP code point, or in the sorted array `widened_beyond`), which
 * `Normalizer._offsets` maps one character at a time.  What it works out in Python, one character
 * at a time here instead of one stretch at a time there. */
/* (starts, ends) as two tuples of `count` ints: a character's start is most often the end of the
 * one before, and that int is shared, not made again (past 256 every int is an allocation: half
 * of a long text's). */
PyObject *offset_spans(const Py_ssize_t *starts, const Py_ssize_t *ends, Py_ssize_t count) {
    PyObject *a = PyTuple_New(count), *b = PyTuple_New(count);
    for (Py_ssize_t i = 0; a != NULL && b != NULL && i < count; i++) {
        PyObject *start = i > 0 && starts[i] == ends[i - 1] ? Py_NewRef(PyTuple_GET_ITEM(b, i - 1))
                                                            : PyLong_FromSsize_t(starts[i]);
        PyObject *end = PyLong_FromSsize_t(ends[i]);
        if (start == NULL || end == NULL) {
            Py_XDECREF(start);
            Py_XDECREF(end);
            Py_CLEAR(a);
            break;
        }
        PyTuple_SET_ITEM(a, i, start);
        PyTuple_SET_ITEM(b, i, end);
    }
    PyObject *pair = a != NULL && b != NULL ? PyTuple_Pack(2, a, b) : NULL;
    Py_XDECREF(a);
    Py_XDECREF(b);
    return pair;
}

/* Whether `text` holds a character of `widened` (a bit per BMP code point) or of `beyond` (sorted
 * code points); -1 with an error when `widened` is not that size. */
static int widens_any(PyObject *text, const Py_buffer *widened, const Py_buffer *beyond) {
    if (widened->len != 0x10000 / 8) {
        PyErr_SetString(PyExc_ValueError, "widened must hold one bit per BMP code point");
        return -1;
    }
    const unsigned char *bits = widened->buf;
    Py_ssize_t count = beyond->len / (Py_ssize_t)sizeof(uint32_t), length = PyUnicode_GET_LENGTH(text);
    int kind = PyUnicode_KIND(text);
    const void *data = PyUnicode_DATA(text);
    for (Py_ssize_t i = 0; i < length; i++) {
        Py_UCS4 c = PyUnicode_READ(kind, data, i);
        if (c < 0x10000 ? (bits[c >> 3] >> (c & 7)) & 1 : in_sorted(beyond->buf, count, c)) {
            return 1;
        }
    }
    return 0;
}

static PyObject *offsets(PyObject *Py_UNUSED(module), PyObject *args) {
    PyObject *text, *translated, *table;
    Py_UCS4 dropped;
    Py_buffer beyond, widened, widened_beyond;
    if (!PyArg_ParseTuple(args, "UUUCy*y*y*", &text, &translated, &table, &dropped, &beyond, &widened, &widened_beyond)) {
        return NULL;
    }
    int widens = widens_any(text, &widened, &widened_beyond);
    PyBuffer_Release(&widened);
    PyBuffer_Release(&widened_beyond);
    if (widens) {
        PyBuffer_Release(&beyond);
        if (widens < 0) {
            return NULL;
        }
        Py_RETURN_NONE;
    }
    Py_ssize_t length = PyUnicode_GET_LENGTH(text), folded = PyUnicode_GET_LENGTH(translated);
    Py_ssize_t size = PyUnicode_GET_LENGTH(table), beyond_count = beyond.len / (Py_ssize_t)sizeof(uint32_t);
    int kind = PyUnicode_KIND(text), folded_kind = PyUnicode_KIND(translated), table_kind = PyUnicode_KIND(table);
    const void *data = PyUnicode_DATA(text), *folded_data = PyUnicode_DATA(translated), *table_data = PyUnicode_DATA(table);
    /* where each kept character comes from, then the span of each folded one: 3 × folded */
    Py_ssize_t *origin = PyMem_Malloc(sizeof(Py_ssize_t) * 3 * (folded ? folded : 1));
    PyObject *result = NULL;
    if (origin == NULL) {
        PyErr_NoMemory();
        goto done;
    }
    Py_ssize_t *starts = origin + folded, *ends = origin + 2 * folded;
    Py_ssize_t kept = 0;
    for (Py_ssize_t i = 0; i < length; i++) {
        Py_UCS4 c = PyUnicode_READ(kind, data, i);
        int gone = (Py_ssize_t)c < size ? PyUnicode_READ(table_kind, table_data, c) == dropped
                                        : in_sorted(beyond.buf, beyond_count, c);
        if (!gone) {
            if (kept == folded) {
                kept++;
                break;
            }
            origin[kept++] = i;
        }
    }
    if (kept != folded) {
        PyErr_SetString(PyExc_ValueError, "the translated text does not keep the characters the table keeps");
        goto done;
    }
    Py_ssize_t count = 0;  /* at most one entry per character of `translated` */
    for (Py_ssize_t j = 0; j < folded;) {
        Py_UCS4 c = PyUnicode_READ(folded_kind, folded_data, j);
        if (c == 0 || c == 1) {
            j++;
            continue;
        }
        Py_ssize_t run = j + 1;
        while (run < folded && PyUnicode_READ(folded_kind, folded_data, run) == c) {
            run++;
        }
        Py_ssize_t keep = run - j >= 3 ? 2 : run - j;
        for (Py_ssize_t k = 0; k < keep; k++, count++) {
            starts[count] = origin[j + k];
            ends[count] = (k == 1 && run - j >= 3) ? origin[run - 1] + 1 : origin[j + k] + 1;
        }
        j = run;
    }
    result = offset_spans(starts, ends, count);
done:
    PyMem_Free(origin);
    PyBuffer_Release(&beyond);
    return result;
}

/* boundaries(marked, length): the boundary level before each character of the text without its
 * marks (`length` characters) and at its end, as `Normalizer.draft` reads them from the marked
 * text: 2 where a sentence mark (U+0001) stood, 1 where only a clause mark (U+0000) did, 2 at both
 * ends. */
static PyObject *boundaries(PyObject *Py_UNUSED(module), PyObject *args) {
    PyObject *marked;
    Py_ssize_t length;
    if (!PyArg_ParseTuple(args, "Un", &marked, &length)) {
        return NULL;
    }
    if (length < 0) {
        PyErr_SetString(PyExc_ValueError, "length must not be negative");
        return NULL;
    }
    PyObject *result = PyBytes_FromStringAndSize(NULL, length + 1);
    if (result == NULL) {
        return NULL;
    }
    unsigned char *levels = (unsigned char *)PyBytes_AS_STRING(result);
    if (mark_levels(PyUnicode_KIND(marked), PyUnicode_DATA(marked), PyUnicode_GET_LENGTH(marked), levels, length) != length) {
        Py_DECREF(result);
        PyErr_SetString(PyExc_ValueError, "the marked text does not hold `length` characters besides its marks");
        return NULL;
    }
    return result;
}

/* edges(breaks, level): the positions inside the text (neither end) whose boundary level, as
 * `boundaries` gives them, is `level` or more: a list, where a regular expression made a match
 * object per clause. */
static PyObject *edges(PyObject *Py_UNUSED(module), PyObject *args) {
    const char *levels;
    Py_ssize_t size;
    int level;
    if (!PyArg_ParseTuple(args, "y#i", &levels, &size, &level)) {
        return NULL;
    }
    PyObject *found = PyList_New(0);
    for (Py_ssize_t i = 1; found != NULL && i < size - 1; i++) {
        if (levels[i] >= level && append_new(found, PyLong_FromSsize_t(i)) < 0) {
            Py_CLEAR(found);
        }
    }
    return found;
}

static PyMethodDef functions[] = {
    {"edges", edges, METH_VARARGS,
     "edges(breaks, level): the positions inside the text whose boundary level is `level` or more."},
    {"boundaries", boundaries, METH_VARARGS,
     "boundaries(marked, length): the boundary level before each unmarked character and at the end."},
    {"translate", translate, METH_VARARGS,
     "translate(text, table): each character below len(table) mapped through it, the others kept."},
    {"search_anchored", (PyCFunction)(void (*)(void))search_anchored, METH_FASTCALL,
     "search_anchored(verifier, norm, phon, breaks, starts, values, low, high, rewritten): a context pattern's matches "
     "(start, end, spans, mismatches, placeholders) anchored in phon[low:high], in `CompiledPattern.search` order."},
    {"quiet_base", (PyCFunction)(void (*)(void))quiet_base, METH_FASTCALL,
     "quiet_base(rare, plans, secondary, contexts, code_marks, name_reach, beyond, text): the text with its spoken pauses marked "
     "when it needs no other rewrite, else None."},
    {"latin_rewrite", (PyCFunction)(void (*)(void))latin_rewrite, METH_FASTCALL,
     "latin_rewrite(letters, placeholder_low, placeholder_high, plans, code_marks, name_reach, toned, text, first): "
     "LatinRuns.rewrite as (text, origins, edges), None when nothing changes, NotImplemented where Python must tell."},
    {"told_candidates", (PyCFunction)(void (*)(void))told_candidates, METH_FASTCALL,
     "told_candidates(hits, verified, make, confidences, align, text, shingle): Matcher.verify's candidates from the "
     "plain check's verification of each hit value and align(text, phrase, anchor) of each fuzzy phrase's anchor, or "
     "None where a value was told in Python."},
    {"rewritten", rewritten, METH_VARARGS,
     "rewritten(original, starts, ends, folded_length, edges, hits, settings): the message with each hit's (start, end, "
     "line) standard line in place of its words or clauses, as suggest.rewrite gives it; None for no hits."},
    {"through", through, METH_VARARGS,
     "through(origins, length, starts, ends): (starts, ends) of a folded text's characters in the original, from "
     "theirs in a rewrite of it and the rewrite's segments (at, low, high), high -1 for a copied stretch"},
    {"offsets", offsets, METH_VARARGS,
     "offsets(text, translated, table, dropped, beyond, widened, widened_beyond): (starts, ends) of each folded "
     "character in text, or None when a character folds to several."},
    {NULL}
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT,
    .m_name = "_native",
    .m_doc = "The engine's compiled parts: the category model's n-gram sums, the matcher's first tests, character tables.",
    .m_size = -1,
    .m_methods = functions,
};

PyMODINIT_FUNC PyInit__native(void) {
    PyTypeObject *types[] = {&GramTableType, &HitFilterType, &PlainCheckType, &WordGraphType, &PatternVerifierType,
                             &KeyAutomatonType, &JudgeTextType};
    const char *names[] = {"GramTable", "HitFilter", "PlainCheck", "WordGraph", "PatternVerifier", "KeyAutomaton",
                           "JudgeText"};
    for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
        if (PyType_Ready(types[i]) < 0) {
            return NULL;
        }
    }
    PyObject *m = PyModule_Create(&module);
    if (m == NULL) {
        return NULL;
    }
    for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
        Py_INCREF(types[i]);
        if (PyModule_AddObject(m, names[i], (PyObject *)types[i]) < 0) {
            Py_DECREF(types[i]);
            Py_DECREF(m);
            return NULL;
        }
    }
    return m;
}
