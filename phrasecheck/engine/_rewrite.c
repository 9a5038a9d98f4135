/* rewritten: a flagged message's rewrite in one call, each hit's standard line in place of its
 * words or of the clauses it covers: `suggest.Separators.replacement` for each hit, then
 * `suggest.rewrite`, the same steps, which a flagged message took in some 340 bytecodes.  The
 * characters it tests (trailing stops, what may stand between two stretches, question marks…)
 * come from `suggest` in `settings`, so the two ways read one definition. */
#include "_native.h"

typedef struct {
    Py_ssize_t start, end;  /* original offsets of what the line replaces */
    PyObject *line;         /* borrowed from the hit */
    int whole;              /* the offence is the message: the rewrite is the line alone */
} Replacement;

/* What `suggest` tests the text with (`_SETTINGS`). */
typedef struct {
    double whole_share;     /* a hit covering this share of its clauses replaces them whole */
    PyObject *trailing;     /* stops a line sheds before the original's own */
    PyObject *between;      /* what may stand between two stretches given one line */
    PyObject *question;     /* question marks */
    PyObject *marks;        /* the run of marks after a rude question that goes with it */
    PyObject *stop;         /* ends a line that replaces a question but asks none */
} Settings;

typedef struct {
    int kind;
    const void *data;
    Py_ssize_t length;      /* of the original */
    PyObject *starts, *ends;  /* the folded characters' original offsets: tuples or lists */
    Py_ssize_t folded;      /* how many folded characters */
    Py_ssize_t *edges, edge_count;    /* where clauses and sentences end, folded */
    Py_ssize_t *spaces, space_count;  /* where the original has a space, listed on first need */
    int spaces_listed;
} Text;

/* offsets[index] (a tuple or list of ints) as a C size: 0, or -1 with an exception (IndexError outside the sequence). */
static int offset_at(PyObject *offsets, Py_ssize_t index, Py_ssize_t *value) {
    if (index < 0 || index >= PySequence_Fast_GET_SIZE(offsets)) {
        PyErr_SetString(PyExc_IndexError, "a hit or an edge lies outside the folded text's offsets");
        return -1;
    }
    *value = PyLong_AsSsize_t(PySequence_Fast_GET_ITEM(offsets, index));
    return *value == -1 && PyErr_Occurred() ? -1 : 0;
}

/* bisect_right over a sorted sequence of ints: the first index whose value exceeds `value`. */
static int offsets_after(PyObject *offsets, Py_ssize_t value, Py_ssize_t *index) {
    Py_ssize_t low = 0, high = PySequence_Fast_GET_SIZE(offsets), found;
    while (low < high) {
        Py_ssize_t middle = (low + high) / 2;
        if (offset_at(offsets, middle, &found) < 0) {
            return -1;
        }
        if (value < found) {
            high = middle;
        } else {
            low = middle + 1;
        }
    }
    *index = low;
    return 0;
}

static int holds(PyObject *characters, Py_UCS4 c) {
    return PyUnicode_FindChar(characters, c, 0, PyUnicode_GET_LENGTH(characters), 1) >= 0;
}

/* `Separators._space_edge`: the folded edge of the last (`last`) or first space of the original's
 * [low, high) lying between two folded characters, into `edge`, 0 where there is none: 0, or -1. */
static int space_edge(Text *text, Py_ssize_t low, Py_ssize_t high, int last, Py_ssize_t *edge) {
    *edge = 0;
    if (high - low < 2) {
        return 0;
    }
    if (!text->spaces_listed) {
        text->spaces_listed = 1;
        for (Py_ssize_t i = 0; i < text->length; i++) {
            if (Py_UNICODE_ISSPACE(PyUnicode_READ(text->kind, text->data, i))) {
                if (text->spaces == NULL && (text->spaces = PyMem_Malloc(sizeof(Py_ssize_t) * (size_t)text->length)) == NULL) {
                    PyErr_NoMemory();
                    return -1;
                }
                text->spaces[text->space_count++] = i;
            }
        }
    }
    Py_ssize_t first = bisect(text->spaces, text->space_count, low, 0);
    Py_ssize_t stop = bisect(text->spaces, text->space_count, high, 0);
    for (Py_ssize_t n = 0; n < stop - first; n++) {
        Py_ssize_t space = text->spaces[last ? stop - 1 - n : first + n], after, end;
        if (offsets_after(text->starts, space, &after) < 0) {
            return -1;
        }
        if (after > 0) {
            if (offset_at(text->ends, after - 1, &end) < 0) {
                return -1;
            }
            if (end <= space) {
                *edge = after;
                return 0;
            }
        }
    }
    return 0;
}

/* `Separators.replacement` of a hit at folded [start, end): 0, or -1 with an exception. */
static int replacement(Text *text, double whole_share, Py_ssize_t start, Py_ssize_t end, Replacement *found) {
    if (start < 0 || end <= start || end > text->folded) {
        PyErr_SetString(PyExc_ValueError, "a hit must be a non-empty stretch of the folded text");
        return -1;
    }
    Py_ssize_t before = bisect(text->edges, text->edge_count, start, 1) - 1;
    Py_ssize_t after = bisect(text->edges, text->edge_count, end, 0);
    Py_ssize_t low = before >= 0 ? text->edges[before] : 0;
    Py_ssize_t high = after < text->edge_count ? text->edges[after] : text->folded;
    Py_ssize_t from, to, edge;
    if (offset_at(text->starts, low, &from) < 0 || offset_at(text->starts, start, &to) < 0
        || space_edge(text, from, to, 1, &edge) < 0) {
        return -1;
    }
    low = edge ? edge : low;
    if (offset_at(text->starts, end - 1, &from) < 0 || offset_at(text->starts, high - 1, &to) < 0
        || space_edge(text, from, to, 0, &edge) < 0) {
        return -1;
    }
    high = edge ? edge : high;
    if ((double)(end - start) >= whole_share * (double)(high - low)) {
        start = low;
        end = high;
    }
    found->whole = start == 0 && end == text->folded;
    if (offset_at(text->starts, start, &found->start) < 0 || offset_at(text->ends, end - 1, &found->end) < 0) {
        return -1;
    }
    if (found->start < 0 || found->end < found->start || found->end > text->length) {
        PyErr_SetString(PyExc_ValueError, "the offsets must lie in the original text, in order");
        return -1;
    }
    return 0;
}

/* `suggest._joined` over replacements sorted by start: neighbours with the same line, only
 * `between` characters apart, become one.  Answers how many are left, or -1. */
static Py_ssize_t joined(Text *text, PyObject *between, Replacement *items, Py_ssize_t count) {
    Py_ssize_t kept = 0;
    for (Py_ssize_t i = 0; i < count; i++) {
        Replacement *last = kept ? &items[kept - 1] : NULL;
        int same = last != NULL ? PyObject_RichCompareBool(last->line, items[i].line, Py_EQ) : 0;
        if (same < 0) {
            return -1;
        }
        if (same && last->end <= items[i].start) {
            Py_ssize_t k = last->end;
            while (k < items[i].start && holds(between, PyUnicode_READ(text->kind, text->data, k))) {
                k++;
            }
            if (k == items[i].start) {
                last->end = items[i].end;
                last->whole = 0;
                continue;
            }
        }
        items[kept++] = items[i];
    }
    return kept;
}

/* The line as it stands in the rewrite (`suggest.rewrite`): a new reference, and where the
 * original resumes after it, or NULL. */
static PyObject *placed_line(Text *text, const Settings *settings, const Replacement *item, Py_ssize_t taken,
                             Py_ssize_t *resume) {
    PyObject *trailing = settings->trailing, *question = settings->question;
    PyObject *line = item->line;
    Py_ssize_t end = item->end, length = PyUnicode_GET_LENGTH(line), after = end;
    int asked = 0;
    while (after < taken && holds(settings->marks, PyUnicode_READ(text->kind, text->data, after))) {
        asked |= holds(question, PyUnicode_READ(text->kind, text->data, after));
        after++;
    }
    Py_UCS4 final = length ? PyUnicode_READ_CHAR(line, length - 1) : 0;
    *resume = end;
    if (asked && !(length && holds(question, final))) {
        /* 「急什么？！」 asked, its standard line does not: the line's own stop ends it, not the ？！ */
        *resume = after;
        return length && holds(trailing, final) ? Py_NewRef(line) : PyUnicode_Concat(line, settings->stop);
    }
    if (end < text->length && holds(trailing, PyUnicode_READ(text->kind, text->data, end))) {
        Py_ssize_t kept = length;
        while (kept > 0 && holds(trailing, PyUnicode_READ_CHAR(line, kept - 1))) {
            kept--;
        }
        return PyUnicode_Substring(line, 0, kept);
    }
    return Py_NewRef(line);
}

/* The rewrite from the replacements, right to left so that offsets hold; None for none. */
static PyObject *rewrite(Text *text, PyObject *original, const Settings *settings, Replacement *items, Py_ssize_t count) {
    for (Py_ssize_t i = 0; i < count; i++) {
        if (items[i].whole) {
            return Py_NewRef(items[i].line);
        }
    }
    if (count > 1) {  /* by start, in order of the hits at one start (a stable insertion sort: a few hits) */
        for (Py_ssize_t i = 1; i < count; i++) {
            Replacement item = items[i];
            Py_ssize_t j = i;
            while (j > 0 && items[j - 1].start > item.start) {
                items[j] = items[j - 1];
                j--;
            }
            items[j] = item;
        }
        if ((count = joined(text, settings->between, items, count)) < 0) {
            return NULL;
        }
    }
    PyObject *pieces = PyList_New(0);
    Py_ssize_t taken = text->length;
    for (Py_ssize_t i = count - 1; pieces != NULL && i >= 0; i--) {
        if (items[i].end > taken) {
            continue;  /* two hits in one clause: the later replacement already covers it */
        }
        Py_ssize_t resume;
        PyObject *line = placed_line(text, settings, &items[i], taken, &resume);
        if (line == NULL || append_new(pieces, PyUnicode_Substring(original, resume, taken)) < 0
            || append_new(pieces, line) < 0) {
            Py_XDECREF(line);
            Py_CLEAR(pieces);
            break;
        }
        taken = items[i].start;
    }
    if (pieces == NULL || append_new(pieces, PyUnicode_Substring(original, 0, taken)) < 0 || PyList_Reverse(pieces) < 0) {
        Py_XDECREF(pieces);
        return NULL;
    }
    PyObject *empty = PyUnicode_New(0, 0), *result = empty ? PyUnicode_Join(empty, pieces) : NULL;
    Py_XDECREF(empty);
    Py_DECREF(pieces);
    return result;
}

/* rewritten(original, starts, ends, folded_length, edges, hits, settings) */
PyObject *rewritten(PyObject *Py_UNUSED(module), PyObject *args) {
    PyObject *original, *starts, *ends, *edges, *hits;
    Py_ssize_t folded;
    Settings settings;
    if (!PyArg_ParseTuple(args, "UOOnOO!(dUUUUU)", &original, &starts, &ends, &folded, &edges, &PyList_Type, &hits,
                          &settings.whole_share, &settings.trailing, &settings.between, &settings.question,
                          &settings.marks, &settings.stop)) {
        return NULL;
    }
    Py_ssize_t count = PyList_GET_SIZE(hits);
    if (count == 0) {
        Py_RETURN_NONE;
    }
    PyObject *edge_list = PySequence_Fast(edges, "edges must be a sequence");
    Text text = {PyUnicode_KIND(original), PyUnicode_DATA(original), PyUnicode_GET_LENGTH(original),
                 PySequence_Fast(starts, "starts must be a sequence"), PySequence_Fast(ends, "ends must be a sequence"),
                 folded, NULL, edge_list ? PySequence_Fast_GET_SIZE(edge_list) : 0, NULL, 0, 0};
    Replacement *items = PyMem_Malloc(sizeof(Replacement) * (size_t)count);
    text.edges = PyMem_Malloc(sizeof(Py_ssize_t) * (size_t)(text.edge_count + 1));
    PyObject *result = NULL;
    if (items == NULL || text.edges == NULL) {
        PyErr_NoMemory();
    }
    int ready = edge_list != NULL && text.starts != NULL && text.ends != NULL && items != NULL && text.edges != NULL;
    for (Py_ssize_t e = 0; ready && e < text.edge_count; e++) {
        ready = offset_at(edge_list, e, &text.edges[e]) == 0;
    }
    for (Py_ssize_t i = 0; ready && i < count; i++) {
        PyObject *hit = PyList_GET_ITEM(hits, i);
        Py_ssize_t start, end;
        if (!PyTuple_Check(hit)) {
            PyErr_SetString(PyExc_TypeError, "each hit must be a tuple (start, end, line)");
            ready = 0;
            break;
        }
        ready = PyArg_ParseTuple(hit, "nnU", &start, &end, &items[i].line) && replacement(&text, settings.whole_share, start, end, &items[i]) == 0;
    }
    if (ready) {
        result = rewrite(&text, original, &settings, items, count);
    }
    Py_XDECREF(edge_list);
    Py_XDECREF(text.starts);
    Py_XDECREF(text.ends);
    PyMem_Free(text.edges);
    PyMem_Free(text.spaces);
    PyMem_Free(items);
    return result;
}
