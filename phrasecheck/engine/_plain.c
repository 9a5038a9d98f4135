/* PlainCheck: the whole of a check that finds nothing, for a plain text, in one call.
 *
 * Most messages are plain (no letters, spaces, line breaks or rare characters: the flat tables fold
 * them) and most of those have no plausible hit, or none that verification keeps, and no sentence
 * the category model scores at its threshold.
 * The Python path answers them through a dozen calls (`Normalizer.skim`, `Matcher.find`,
 * `SentenceClassifier.candidates`); this does the same steps in C and calls the same compiled
 * parts (the scan, the matcher's first tests, the model's bounds and scores, a pattern's compiled
 * `match_at`), so it answers what they answer; a text that is not plain but needs only its pauses
 * marked (`quiet_base`) goes through the check built for such sources.
 * A text it cannot clear goes on with what it found, none of it asked again.
 * See `engine/plain.py`. */
#include "_native.h"

/* The objects a PlainCheck holds, by index. */
enum {
    FOLD,          /* the flat fold table (str indexed by code point) */
    PHONETIC,      /* the flat phonetic table */
    BLOCKED,       /* bytes: bit c set when code point c makes a text not plain */
    BEYOND,        /* bytes: the sorted code points beyond the BMP the fold table drops (uint32 each), which a plain text may hold */
    FIND,          /* the matcher's find(phon, folded, *find_args): its scan and first tests */
    FIND_ARGS,
    LIVE,          /* the model's live(apart, *live_args), or None */
    LIVE_ARGS,
    WINDOWS,       /* the model's windows(marked, folded, *windows_args), or None */
    WINDOWS_ARGS,
    FOUND,         /* the model's found(folded, live, windows): its candidates among those; or None */
    QUIET,         /* quiet(text): the source of a text that is not plain but needs no rewrite, or None; or None */
    FLAT,          /* the PlainCheck of such a source (flat tables); or None */
    HELD
};

typedef struct {
    PyObject_HEAD
    PyObject *held[HELD];
    Py_UCS4 dropped;        /* the fold table's "no character" */
    Py_ssize_t long_sentence;
    vectorcallfunc vectorcall;  /* called with no tuple of arguments made: it runs for every check */
} PlainCheck;

static PyObject *PlainCheck_vectorcall(PyObject *self, PyObject *const *args, size_t flags, PyObject *names);

static int PlainCheck_init(PlainCheck *self, PyObject *args, PyObject *Py_UNUSED(kwds)) {
    PyObject *given[HELD];
    Py_UCS4 dropped;
    Py_ssize_t long_sentence;
    given[QUIET] = given[FLAT] = Py_None;
    if (!PyArg_ParseTuple(args, "UUSCSOO!OO!OO!nO|OO", &given[FOLD], &given[PHONETIC], &given[BLOCKED], &dropped, &given[BEYOND],
                          &given[FIND],
                          &PyTuple_Type, &given[FIND_ARGS], &given[LIVE], &PyTuple_Type, &given[LIVE_ARGS], &given[WINDOWS],
                          &PyTuple_Type, &given[WINDOWS_ARGS], &long_sentence, &given[FOUND], &given[QUIET], &given[FLAT])) {
        return -1;
    }
    if ((given[QUIET] == Py_None) != (given[FLAT] == Py_None)
        || (given[FLAT] != Py_None && !PyObject_TypeCheck(given[FLAT], &PlainCheckType))) {
        PyErr_SetString(PyExc_TypeError, "quiet and flat go together, flat a PlainCheck");
        return -1;
    }
    if (PyBytes_GET_SIZE(given[BLOCKED]) != 0x10000 / 8 || PyBytes_GET_SIZE(given[BEYOND]) % sizeof(uint32_t)) {
        PyErr_SetString(PyExc_ValueError, "blocked must hold one bit per BMP code point, beyond whole uint32 code points");
        return -1;
    }
    for (int i = 0; i < HELD; i++) {
        Py_INCREF(given[i]);
        Py_XSETREF(self->held[i], given[i]);
    }
    self->dropped = dropped;
    self->long_sentence = long_sentence;
    self->vectorcall = PlainCheck_vectorcall;
    return 0;
}

static int PlainCheck_traverse(PlainCheck *self, visitproc visit, void *arg) {
    for (int i = 0; i < HELD; i++) {
        Py_VISIT(self->held[i]);
    }
    return 0;
}

static int PlainCheck_clear(PlainCheck *self) {
    for (int i = 0; i < HELD; i++) {
        Py_CLEAR(self->held[i]);
    }
    return 0;
}

static void PlainCheck_dealloc(PlainCheck *self) {
    PyObject_GC_UnTrack(self);
    PlainCheck_clear(self);
    Py_TYPE(self)->tp_free((PyObject *)self);
}

/* callable(first, second (may be NULL), *rest) */
static PyObject *call_with(PyObject *callable, PyObject *first, PyObject *second, PyObject *rest) {
    PyObject *stack[16];
    Py_ssize_t count = 0, extra = PyTuple_GET_SIZE(rest);
    if (extra > 14) {
        PyErr_SetString(PyExc_ValueError, "too many arguments");
        return NULL;
    }
    stack[count++] = first;
    if (second != NULL) {
        stack[count++] = second;
    }
    for (Py_ssize_t i = 0; i < extra; i++) {
        stack[count++] = PyTuple_GET_ITEM(rest, i);
    }
    return PyObject_Vectorcall(callable, stack, count, NULL);
}

/* The verification of each of a text's hits (`verified_hits`), whose boundaries are those its
 * draft would have: from `marked` (nm characters, nf besides its marks). */
static PyObject *verified(PyObject *hits, PyObject *folded, PyObject *phon, const Py_UCS4 *marked, Py_ssize_t nm,
                          Py_ssize_t nf, int rewritten) {
    unsigned char small[512];
    unsigned char *breaks = nf < (Py_ssize_t)sizeof(small) ? small : PyMem_Malloc((size_t)nf + 1);
    if (breaks == NULL) {
        return PyErr_NoMemory();
    }
    mark_levels(PyUnicode_4BYTE_KIND, marked, nm, breaks, nf);
    PyObject *found = verified_hits(hits, folded, phon, breaks, rewritten);
    if (breaks != small) {
        PyMem_Free(breaks);
    }
    return found;
}

/* A text that is not plain: the answer of the flat check on its quiet source, that source last in
 * the pieces to go on with; None where it has none (its front is read in Python) or the flat
 * tables cannot fold it. */
static PyObject *quieted(PlainCheck *self, PyObject *text) {
    PyObject *base = PyObject_Vectorcall(self->held[QUIET], &text, 1, NULL);
    if (base == NULL || base == Py_None) {
        return base;
    }
    PyObject *flat_args[2] = {base, base == text ? Py_False : Py_True};  /* a source other than the text is a rewrite */
    PyObject *found = PyObject_Vectorcall(self->held[FLAT], flat_args, 2, NULL);
    if (found != NULL && PyTuple_Check(found)) {
        Py_ssize_t size = PyTuple_GET_SIZE(found);
        PyObject *pieces = PyTuple_New(size);
        for (Py_ssize_t i = 0; pieces != NULL && i < size; i++) {
            PyObject *piece = i == size - 1 ? base : PyTuple_GET_ITEM(found, i);
            Py_INCREF(piece);
            PyTuple_SET_ITEM(pieces, i, piece);
        }
        Py_SETREF(found, pieces);
    }
    Py_DECREF(base);
    return found;
}

static PyObject *PlainCheck_vectorcall(PyObject *called, PyObject *const *args, size_t flags, PyObject *names) {
    PlainCheck *self = (PlainCheck *)called;
    Py_ssize_t count = PyVectorcall_NARGS(flags);
    if (names != NULL && PyTuple_GET_SIZE(names) != 0) {
        PyErr_SetString(PyExc_TypeError, "a PlainCheck takes no keyword arguments");
        return NULL;
    }
    if (count < 1 || count > 3 || !PyUnicode_Check(args[0])) {
        PyErr_SetString(PyExc_TypeError, "a PlainCheck is called with (text: str, rewritten=False, pieces=False)");
        return NULL;
    }
    PyObject *text = args[0];
    int rewritten = count >= 2 ? PyObject_IsTrue(args[1]) : 0;  /* the draft carries a rewrite (`Normalizer.source`) */
    /* what it found handed back even where it clears the text: typed pinyin, which the model's twin
     * over sounds (in Python) reads next */
    int pieces = count == 3 ? PyObject_IsTrue(args[2]) : 0;
    if (rewritten < 0 || pieces < 0) {
        return NULL;
    }
    Py_ssize_t length = PyUnicode_GET_LENGTH(text);
    int kind = PyUnicode_KIND(text);
    const void *data = PyUnicode_DATA(text);
    const unsigned char *blocked = (const unsigned char *)PyBytes_AS_STRING(self->held[BLOCKED]);
    for (Py_ssize_t i = 0; i < length; i++) {
        Py_UCS4 c = PyUnicode_READ(kind, data, i);
        if (c >= 0x10000 ? !listed_beyond(self->held[BEYOND], c) : (blocked[c >> 3] >> (c & 7)) & 1) {
            if (self->held[QUIET] != Py_None) {
                return quieted(self, text);
            }
            Py_RETURN_NONE;  /* not plain: the Python path */
        }
    }
    PyObject *translated = NULL, *marked = NULL, *folded = NULL, *phon = NULL, *hits = NULL;
    PyObject *apart = NULL, *live = NULL, *windows = NULL, *found = NULL, *checked = NULL, *offsets = NULL, *result = NULL;
    Py_UCS4 small[5 * 256];
    Py_UCS4 *buffer = length <= 256 ? small : PyMem_Malloc(sizeof(Py_UCS4) * 5 * (length ? length : 1));
    if (buffer == NULL) {
        return PyErr_NoMemory();
    }
    Py_UCS4 *t = buffer, *m = buffer + length, *f = buffer + 2 * length, *p = buffer + 3 * length, *a = buffer + 4 * length;
    /* where each character of translated comes from, and the original span of each folded one:
     * the offsets `Normalizer.with_offsets` would work out again for a text that goes on */
    Py_ssize_t small_places[3 * 256];
    Py_ssize_t *places = length <= 256 ? small_places : PyMem_Malloc(sizeof(Py_ssize_t) * 3 * (length ? length : 1));
    if (places == NULL) {
        if (buffer != small) {
            PyMem_Free(buffer);
        }
        return PyErr_NoMemory();
    }
    Py_ssize_t *origin = places, *starts = places + length, *ends = places + 2 * length;
    Py_ssize_t fold_size = PyUnicode_GET_LENGTH(self->held[FOLD]), phonetic_size = PyUnicode_GET_LENGTH(self->held[PHONETIC]);
    int fold_kind = PyUnicode_KIND(self->held[FOLD]), phonetic_kind = PyUnicode_KIND(self->held[PHONETIC]);
    const void *fold_data = PyUnicode_DATA(self->held[FOLD]), *phonetic_data = PyUnicode_DATA(self->held[PHONETIC]);
    /* translated: through the fold table, the dropped characters gone */
    Py_ssize_t nt = 0;
    for (Py_ssize_t i = 0; i < length; i++) {
        Py_UCS4 c = PyUnicode_READ(kind, data, i);
        Py_UCS4 to = (Py_ssize_t)c < fold_size ? PyUnicode_READ(fold_kind, fold_data, c) : self->dropped;  /* an emoji */
        if (to != self->dropped) {
            origin[nt] = i;
            t[nt++] = to;
        }
    }
    /* marked: a run of three or more of one character keeps two; folded: marked without its marks */
    Py_ssize_t nm = 0, nf = 0, na = 0;
    for (Py_ssize_t i = 0; i < nt; i++) {
        if (i >= 2 && t[i] == t[i - 1] && t[i] == t[i - 2]) {
            if (t[i] != 0 && t[i] != 1) {
                ends[nf - 1] = origin[i] + 1;  /* the second of a run stands for the rest */
            }
            continue;
        }
        m[nm++] = t[i];
        if (t[i] != 0 && t[i] != 1) {
            Py_UCS4 c = t[i];
            starts[nf] = origin[i];
            ends[nf] = origin[i] + 1;
            f[nf] = c;
            p[nf++] = (Py_ssize_t)c < phonetic_size ? PyUnicode_READ(phonetic_kind, phonetic_data, c) : c;
        }
    }
    /* translated and marked are made only for a text that goes on (most do not) */
    if (!(folded = PyUnicode_FromKindAndData(PyUnicode_4BYTE_KIND, f, nf))
        || !(phon = PyUnicode_FromKindAndData(PyUnicode_4BYTE_KIND, p, nf))) {
        goto done;
    }
    if (!(hits = call_with(self->held[FIND], phon, folded, self->held[FIND_ARGS]))) {
        goto done;
    }
    /* the model's bounds, which the Python path would ask next: empty lists where it has none */
    if (!(live = PyList_New(0)) || !(windows = PyList_New(0))) {
        goto done;
    }
    if (self->held[LIVE] != Py_None) {
        /* the model reads the sentences apart: the clause marks out */
        for (Py_ssize_t i = 0; i < nm; i++) {
            if (m[i] != 0) {
                a[na++] = m[i];
            }
        }
        if (!(apart = PyUnicode_FromKindAndData(PyUnicode_4BYTE_KIND, a, na))) {
            goto done;
        }
        Py_SETREF(live, call_with(self->held[LIVE], apart, NULL, self->held[LIVE_ARGS]));
        if (live == NULL) {
            goto done;
        }
    }
    if (self->held[WINDOWS] != Py_None && nm > self->long_sentence) {
        if (!(marked = PyUnicode_FromKindAndData(PyUnicode_4BYTE_KIND, m, nm))) {
            goto done;
        }
        Py_SETREF(windows, call_with(self->held[WINDOWS], marked, folded, self->held[WINDOWS_ARGS]));
        if (windows == NULL) {
            goto done;
        }
    }
    /* The model's candidates among what its bounds let through, found once here (most such
     * sentences score below the threshold); then hits that all fail verification end the text. */
    int going_on = 0;
    if (PyObject_IsTrue(live) || PyObject_IsTrue(windows)) {
        if (self->held[FOUND] == Py_None) {
            going_on = 1;  /* told in Python */
        } else {
            PyObject *found_args[3] = {folded, live, windows};
            if (!(found = PyObject_Vectorcall(self->held[FOUND], found_args, 3, NULL))) {
                goto done;
            }
            if ((going_on = PyObject_IsTrue(found)) < 0) {
                goto done;
            }
        }
    } else if (!(found = PyList_New(0))) {
        goto done;
    }
    /* Each hit verified once, here: a text whose hits all fail ends, one that goes on takes what
     * they found. */
    if (PyList_Check(hits) && PyList_GET_SIZE(hits)) {
        if (!(checked = verified(hits, folded, phon, m, nm, nf, rewritten))) {
            goto done;
        }
        for (Py_ssize_t i = 0; !going_on && i < PyList_GET_SIZE(checked); i++) {
            going_on = PyList_GET_ITEM(checked, i) != Py_None;
        }
    }
    if (going_on || pieces) {
        if (!(translated = PyUnicode_FromKindAndData(PyUnicode_4BYTE_KIND, t, nt))
            || (!marked && !(marked = PyUnicode_FromKindAndData(PyUnicode_4BYTE_KIND, m, nm)))) {
            goto done;
        }
        if (!(offsets = offset_spans(starts, ends, nf))) {
            goto done;
        }
        result = PyTuple_Pack(11, translated, marked, folded, phon, hits, live, windows, found ? found : Py_None,
                              checked ? checked : Py_None, offsets, Py_None);
        goto done;
    }
    result = Py_True;
    Py_INCREF(result);
done:
    if (buffer != small) {
        PyMem_Free(buffer);
    }
    if (places != small_places) {
        PyMem_Free(places);
    }
    Py_XDECREF(offsets);
    Py_XDECREF(translated);
    Py_XDECREF(marked);
    Py_XDECREF(folded);
    Py_XDECREF(phon);
    Py_XDECREF(hits);
    Py_XDECREF(apart);
    Py_XDECREF(live);
    Py_XDECREF(windows);
    Py_XDECREF(found);
    Py_XDECREF(checked);
    return result;
}

PyTypeObject PlainCheckType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "phrasecheck.engine._native.PlainCheck",
    .tp_doc = "PlainCheck(fold, phonetic, blocked, dropped, beyond, find, find_args, live, live_args, windows, windows_args, "
              "long_sentence, found, quiet=None, flat=None)(text, rewritten=False, pieces=False): True when a plain text has nothing to "
              "check further (no hit that verification keeps, no sentence the model scores), None when it is not plain "
              "(with `quiet` and `flat`: nor has a quiet source they clear), else (translated, marked, folded, phon, "
              "hits, live, windows, the model's candidates or None, each hit value's verification (`verified_hits`) "
              "or None, (starts, ends) of each folded character in the text read, the quiet source or None) to go on with.",
    .tp_basicsize = sizeof(PlainCheck),
    .tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_HAVE_GC | Py_TPFLAGS_HAVE_VECTORCALL,
    .tp_vectorcall_offset = offsetof(PlainCheck, vectorcall),
    .tp_new = PyType_GenericNew,
    .tp_init = (initproc)PlainCheck_init,
    .tp_dealloc = (destructor)PlainCheck_dealloc,
    .tp_traverse = (traverseproc)PlainCheck_traverse,
    .tp_clear = (inquiry)PlainCheck_clear,
    .tp_call = PyVectorcall_Call,
};
