/* The Latin runs of a text (`latin.LatinRuns`) in compiled form: whether a run is part of a code
 * (`is_code`, which the compiled front asks too) and the rewrite of a text whose runs are all
 * planned (`latin_rewrite`).  A text typed partly in pinyin or with chat initials (不gui我管,
 * NMD) was rewritten run by run in Python, with a tuple per converted character: a third of its
 * check, and it came in a stream of other messages at several times a plain one's cost. */
#include "_native.h"

static int is_code_mark(const CodeContext *code, Py_UCS4 c) {
    return PyUnicode_FindChar(code->marks, c, 0, PyUnicode_GET_LENGTH(code->marks), 1) >= 0;
}

static int word_letter(const CodeContext *code, Py_UCS4 c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
           || (c > 127 && PyUnicode_FindChar(code->toned, c, 0, PyUnicode_GET_LENGTH(code->toned), 1) >= 0);
}

int is_code(const CodeContext *code, int kind, const void *data, Py_ssize_t length, Py_ssize_t start, Py_ssize_t end) {
    Py_UCS4 before = start ? PyUnicode_READ(kind, data, start - 1) : ' ';
    if (is_code_mark(code, before) || before == '.' || Py_UNICODE_ISDIGIT(before)) {
        return 1;
    }
    if (end < length) {
        Py_UCS4 after = PyUnicode_READ(kind, data, end);
        if (is_code_mark(code, after) || Py_UNICODE_ISDIGIT(after)
            || (after == '.' && end + 1 < length && Py_UNICODE_ISALNUM(PyUnicode_READ(kind, data, end + 1)))) {
            return 1;
        }
    }
    Py_ssize_t low = start > code->name_reach ? start - code->name_reach : 0, position = start - 1;
    for (; position >= low; position--) {
        Py_UCS4 c = PyUnicode_READ(kind, data, position);
        if (!(Py_UNICODE_ISALNUM(c) || c == '_' || c == '-')) {
            break;
        }
    }
    return position >= low && PyUnicode_READ(kind, data, position) == '@';
}

/* The rewrite being built by `latin_rewrite`: its characters, origins and edges. */
typedef struct {
    Py_UCS4 *chars;
    Py_ssize_t length, room;
    PyObject *origins, *edges;
} Rewriting;

static int grow_to(Rewriting *out, Py_ssize_t length) {
    if (length <= out->room) {
        return 0;
    }
    Py_ssize_t room = length * 2 + 16;
    Py_UCS4 *grown = PyMem_Realloc(out->chars, sizeof(Py_UCS4) * (size_t)room);
    if (grown == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    out->chars = grown;
    out->room = room;
    return 0;
}

/* Appends an origin (at, low, high): 0, or -1 with an exception. */
static int add_origin(Rewriting *out, Py_ssize_t at, Py_ssize_t low, Py_ssize_t high) {
    PyObject *origin = Py_BuildValue("(nnn)", at, low, high);
    return append_new(out->origins, origin);
}

static int add_edge(Rewriting *out, Py_ssize_t at) {
    PyObject *edge = PyLong_FromSsize_t(at);
    int added = edge != NULL ? PySet_Add(out->edges, edge) : -1;
    Py_XDECREF(edge);
    return added;
}

/* Copies text[from:to) into the rewrite, with its origin: 0, or -1. */
static int copy_stretch(Rewriting *out, int kind, const void *data, Py_ssize_t from, Py_ssize_t to) {
    if (to <= from) {
        return 0;
    }
    if (grow_to(out, out->length + (to - from)) < 0 || add_origin(out, out->length, from, -1) < 0) {
        return -1;
    }
    for (Py_ssize_t i = from; i < to; i++) {
        out->chars[out->length++] = PyUnicode_READ(kind, data, i);
    }
    return 0;
}

/* Appends a converted character standing for the original's [low, high): 0, or -1. */
static int add_converted(Rewriting *out, Py_UCS4 c, Py_ssize_t low, Py_ssize_t high) {
    if (grow_to(out, out->length + 1) < 0 || add_origin(out, out->length, low, high) < 0) {
        return -1;
    }
    out->chars[out->length++] = c;
    return 0;
}

/* Whether a word of letters stands across spaces just before the run [start, end) (its last
 * letter within the @name reach) or just after it: `LatinRuns._next_to_english` then asks whether
 * that word is pinyin. */
static int beside_word(const CodeContext *code, int kind, const void *data, Py_ssize_t length, Py_ssize_t start,
                       Py_ssize_t end) {
    Py_ssize_t low = start > code->name_reach ? start - code->name_reach : 0, before = start - 1, after = end;
    while (before >= low && PyUnicode_READ(kind, data, before) == ' ') {
        before--;
    }
    if (before < start - 1 && before >= low && word_letter(code, PyUnicode_READ(kind, data, before))) {
        return 1;
    }
    while (after < length && PyUnicode_READ(kind, data, after) == ' ') {
        after++;
    }
    return after > end && after < length && word_letter(code, PyUnicode_READ(kind, data, after));
}

/* The converted characters of the run [start, end) by its plan (chars, syllables or None):
 * 1 when converted, 0 when it stays letters, 2 when the Python rewrite must tell (a neighbour
 * word across spaces, `LatinRuns._next_to_english`), -1 with an exception. */
static int convert_run(Rewriting *out, const CodeContext *code, PyObject *plan, int kind, const void *data,
                       Py_ssize_t length, Py_ssize_t start, Py_ssize_t end) {
    if (!PyTuple_Check(plan) || PyTuple_GET_SIZE(plan) != 2 || !PyUnicode_Check(PyTuple_GET_ITEM(plan, 0))) {
        PyErr_SetString(PyExc_TypeError, "latin_rewrite: a plan must be (chars, syllables or None)");
        return -1;
    }
    PyObject *chars = PyTuple_GET_ITEM(plan, 0), *syllables = PyTuple_GET_ITEM(plan, 1);
    Py_ssize_t count = PyUnicode_GET_LENGTH(chars);
    if (syllables != Py_None && (!PyTuple_Check(syllables) || PyTuple_GET_SIZE(syllables) != count)) {
        PyErr_SetString(PyExc_TypeError, "latin_rewrite: a plan's syllables must be a tuple, one a character");
        return -1;
    }
    if (syllables != Py_None && beside_word(code, kind, data, length, start, end)) {
        return 2;
    }
    Py_ssize_t first = out->length, low = start;
    for (Py_ssize_t k = 0; k < count; k++) {
        Py_UCS4 c = PyUnicode_READ_CHAR(chars, k);
        if (syllables == Py_None) {  /* initials: each character of the words stands for the whole run */
            if (add_converted(out, c, start, end) < 0) {
                return -1;
            }
            continue;
        }
        PyObject *syllable = PyTuple_GET_ITEM(syllables, k);
        if (!PyUnicode_Check(syllable)) {
            PyErr_SetString(PyExc_TypeError, "latin_rewrite: a syllable must be a str");
            return -1;
        }
        Py_ssize_t high = low + PyUnicode_GET_LENGTH(syllable);
        if (add_converted(out, c, low, high) < 0) {
            return -1;
        }
        low = high;
    }
    if (count && (add_edge(out, first) < 0 || add_edge(out, out->length) < 0)) {
        return -1;
    }
    return 1;
}

/* latin_rewrite(letters, placeholder_low, placeholder_high, plans, code_marks, name_reach, toned, text, first):
 * `LatinRuns.rewrite`: (text, origins, edges) with the runs of two or more letters (`letters`, a
 * bit per BMP code point) from `first` on converted by their plans and the input's placeholders
 * dropped, None when nothing changes, or NotImplemented where the Python rewrite must tell (a run
 * not planned, a typed syllable beside a word across spaces); `toned` the letters with tone marks
 * a neighbouring word may hold besides ASCII ones. */
PyObject *latin_rewrite(PyObject *Py_UNUSED(module), PyObject *const *args, Py_ssize_t count) {
    if (count != 9 || !PyBytes_Check(args[0]) || PyBytes_GET_SIZE(args[0]) != 0x10000 / 8 || !PyLong_Check(args[1])
        || !PyLong_Check(args[2]) || !PyDict_Check(args[3]) || !PyUnicode_Check(args[4]) || !PyLong_Check(args[5])
        || !PyUnicode_Check(args[6]) || !PyUnicode_Check(args[7]) || !PyLong_Check(args[8])) {
        PyErr_SetString(PyExc_TypeError, "latin_rewrite(letters: bytes of a bit per BMP code point, placeholder_low: int, "
                        "placeholder_high: int, plans: dict, code_marks: str, name_reach: int, toned: str, text: str, "
                        "first: int)");
        return NULL;
    }
    const unsigned char *letters = (const unsigned char *)PyBytes_AS_STRING(args[0]);
    long placeholder_low = PyLong_AsLong(args[1]), placeholder_high = PyLong_AsLong(args[2]);
    CodeContext code = {args[4], PyLong_AsSsize_t(args[5]), args[6]};
    PyObject *plans = args[3], *text = args[7];
    Py_ssize_t first = PyLong_AsSsize_t(args[8]);
    if (PyErr_Occurred()) {
        return NULL;
    }
    if (code.name_reach < 0) {
        PyErr_SetString(PyExc_ValueError, "latin_rewrite: name_reach must not be negative");
        return NULL;
    }
    Py_ssize_t length = PyUnicode_GET_LENGTH(text), position = 0;
    int kind = PyUnicode_KIND(text);
    const void *data = PyUnicode_DATA(text);
    Rewriting out = {NULL, 0, 0, PyList_New(0), PySet_New(NULL)};
    PyObject *result = NULL;
    if (out.origins == NULL || out.edges == NULL) {
        goto done;
    }
#define LETTER(c) ((c) < 0x10000 && (letters[(c) >> 3] >> ((c) & 7)) & 1)
    for (Py_ssize_t i = first > 0 ? first : 0; i < length;) {
        Py_UCS4 c = PyUnicode_READ(kind, data, i);
        Py_ssize_t end = i + 1;
        int converted;
        if (LETTER(c)) {
            while (end < length && LETTER(PyUnicode_READ(kind, data, end))) {
                end++;
            }
            if (end - i < 2) {  /* one letter never converts */
                i = end;
                continue;
            }
            PyObject *run = PyUnicode_Substring(text, i, end);
            PyObject *plan = run ? PyDict_GetItemWithError(plans, run) : NULL;  /* borrowed */
            Py_XDECREF(run);
            if (plan == NULL) {
                if (PyErr_Occurred()) {
                    goto done;
                }
                result = Py_NewRef(Py_NotImplemented);  /* not planned: `LatinRuns.convert` plans it */
                goto done;
            }
            if (plan == Py_None || is_code(&code, kind, data, length, i, end)) {
                i = end;
                continue;
            }
            if (copy_stretch(&out, kind, data, position, i) < 0) {
                goto done;
            }
            if ((converted = convert_run(&out, &code, plan, kind, data, length, i, end)) != 1) {
                if (converted == 2) {
                    result = Py_NewRef(Py_NotImplemented);
                }
                goto done;
            }
        } else if ((long)c >= placeholder_low && (long)c <= placeholder_high) {  /* typed in: dropped */
            if (copy_stretch(&out, kind, data, position, i) < 0) {
                goto done;
            }
        } else {
            i++;
            continue;
        }
        position = end;
        i = end;
    }
#undef LETTER
    if (position == 0) {
        result = Py_NewRef(Py_None);
        goto done;
    }
    if (copy_stretch(&out, kind, data, position, length) < 0) {
        goto done;
    }
    static const Py_UCS4 nothing[1] = {0};
    PyObject *rewritten = PyUnicode_FromKindAndData(PyUnicode_4BYTE_KIND, out.chars ? out.chars : nothing, out.length);
    PyObject *edges = rewritten ? PyFrozenSet_New(out.edges) : NULL;
    result = edges ? PyTuple_Pack(3, rewritten, out.origins, edges) : NULL;
    Py_XDECREF(rewritten);
    Py_XDECREF(edges);
done:
    PyMem_Free(out.chars);
    Py_XDECREF(out.origins);
    Py_XDECREF(out.edges);
    return result;
}
