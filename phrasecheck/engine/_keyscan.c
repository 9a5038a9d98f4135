/* KeyAutomaton: every key found in a text, overlapping, one step a character.
 *
 * The matcher's scan of every text (`automaton.KeyScanner`) reads phonetic keys: tens of
 * thousands of keys over a few hundred characters of the Private Use Area.  The Rust crate reads
 * them as UTF-16 code units, two steps a character through a 5.6 MiB automaton.  Here each
 * character the keys hold is a class; the root's transitions, and its children's with their
 * failures resolved, are arrays over the classes, and every other state is one short run of its
 * failure, outputs and sorted transitions, so a step reads one or two cache lines and a text takes
 * one step a character (1.0 µs an STC-3 message against the crate's 1.3, and no text converted).
 * After two characters no key holds in a row (four steps in ten on STC-3), the state is the root's
 * child of the second, taken with no step at all (`paired`).
 * Hits come as the crate gives them: by end, the longest first at one end. */
#include "_keyscan.h"

static void KeyAutomaton_dealloc(KeyAutomaton *self) {
    automaton_free(self);
    Py_TYPE(self)->tp_free((PyObject *)self);
}

/* (key, start, end), appended to the list `found`: 0, or -1 with an exception. */
static int append_match(void *found, Py_ssize_t key, Py_ssize_t start, Py_ssize_t end) {
    PyObject *k = PyLong_FromSsize_t(key), *s = PyLong_FromSsize_t(start), *e = PyLong_FromSsize_t(end);
    PyObject *match = k && s && e ? PyTuple_Pack(3, k, s, e) : NULL;
    Py_XDECREF(k);
    Py_XDECREF(s);
    Py_XDECREF(e);
    return append_new(found, match);
}

int automaton_each(const KeyAutomaton *self, PyObject *text, KeyVisit visit, void *context) {
    if (self->cells == NULL) {
        PyErr_SetString(PyExc_ValueError, "expected an initialised KeyAutomaton");
        return -1;
    }
    Py_ssize_t length = PyUnicode_GET_LENGTH(text);
    int kind = PyUnicode_KIND(text);
    const void *data = PyUnicode_DATA(text);
    const int32_t *cells = self->cells;
    int32_t state = ROOT;
    uint16_t last = 0;  /* the class before, 0 after a character no key holds */
    for (Py_ssize_t i = 0; i < length; i++) {
        Py_UCS4 c = PyUnicode_READ(kind, data, i);
        uint16_t class = c <= 0xFFFF ? self->classes[c] : 0;
        if (class == 0) {
            state = ROOT;
            last = 0;
            continue;
        }
        if (last != 0 && self->pairs != NULL && !paired(self, last, class)) {
            /* no key holds the two: the state is one deep at most, and most such need no read at all */
            last = class;
            state = self->root[class];
            if (!self->alone[class]) {
                continue;
            }
        } else {
            last = class;
            int32_t next;
            while ((next = next_cell(self, state, class)) < 0) {
                state = cells[state + FAIL];
            }
            state = next;
        }
        for (int32_t s = cells[state + OUTPUT] >= 0 ? state : cells[state + OUTPUT_LINK]; s >= 0; s = cells[s + OUTPUT_LINK]) {
            int32_t key = cells[s + OUTPUT];
            int answer = visit(context, key, i + 1 - self->key_length[key], i + 1);
            if (answer) {
                return answer;
            }
        }
    }
    return 0;
}

static int KeyAutomaton_init(KeyAutomaton *self, PyObject *args, PyObject *Py_UNUSED(kwds)) {
    PyObject *keys;
    if (!PyArg_ParseTuple(args, "O!", &PyList_Type, &keys)) {
        return -1;
    }
    automaton_free(self);
    return automaton_build(self, keys);
}

/* find_matches_as_indexes(text, overlapping=True): (key index, start, end) of every key in the
 * text, by end, the longest first at one end, as the crate's overlapping search gives them. */
static PyObject *KeyAutomaton_find(KeyAutomaton *self, PyObject *const *args, Py_ssize_t count, PyObject *names) {
    Py_ssize_t given = count + (names ? PyTuple_GET_SIZE(names) : 0);
    if (count < 1 || given > 2 || !PyUnicode_Check(args[0])) {
        PyErr_SetString(PyExc_TypeError, "find_matches_as_indexes(text: str, overlapping=True)");
        return NULL;
    }
    if (given == 2) {
        int overlapping = PyObject_IsTrue(args[1]);
        if (overlapping < 0) {
            return NULL;
        }
        if (!overlapping) {
            PyErr_SetString(PyExc_ValueError, "a KeyAutomaton finds overlapping matches only");
            return NULL;
        }
    }
    PyObject *found = PyList_New(0);
    if (found != NULL && automaton_each(self, args[0], append_match, found) < 0) {
        Py_CLEAR(found);
    }
    return found;
}

static PyMethodDef KeyAutomaton_methods[] = {
    {"find_matches_as_indexes", (PyCFunction)(void (*)(void))KeyAutomaton_find, METH_FASTCALL | METH_KEYWORDS,
     "find_matches_as_indexes(text, overlapping=True): (key index, start, end) of every key in the text, by end, "
     "the longest first at one end."},
    {NULL, NULL, 0, NULL},
};

PyTypeObject KeyAutomatonType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "phrasecheck.engine._native.KeyAutomaton",
    .tp_doc = "KeyAutomaton(keys): an Aho-Corasick automaton over distinct non-empty keys of BMP characters, one step "
              "a character.",
    .tp_basicsize = sizeof(KeyAutomaton),
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_new = PyType_GenericNew,
    .tp_init = (initproc)KeyAutomaton_init,
    .tp_dealloc = (destructor)KeyAutomaton_dealloc,
    .tp_methods = KeyAutomaton_methods,
};
