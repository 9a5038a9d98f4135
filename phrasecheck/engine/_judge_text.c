/* JudgeText's text: its clause and sentence edges, the converted Latin runs' edges and the word
 * edges of its clauses (`regions.Regions` and `judge.word_edge_problem` of one folded text), made
 * as the object is and read by its guards (_judge.c). */
#include "_judge.h"

static void JudgeText_free(JudgeText *self) {
    PyMem_Free(self->edges[LEVEL_CLAUSE]);  /* the sentence edges share its block */
    PyMem_Free(self->latin);
    if (self->tokens != NULL) {
        for (Py_ssize_t i = 0; i <= self->counts[LEVEL_CLAUSE]; i++) {
            PyMem_Free(self->tokens[i]);
        }
    }
    PyMem_Free(self->tokens);
    PyMem_Free(self->token_counts);
    PyMem_Free(self->idle);
    PyMem_Free(self->found);
    memset(&self->length, 0, sizeof(JudgeText) - offsetof(JudgeText, length));
    self->reports = self->mentions = -1;
}

void JudgeText_dealloc(JudgeText *self) {
    JudgeText_free(self);
    Py_XDECREF(self->specs);
    Py_XDECREF(self->norm);
    Py_XDECREF(self->phon);
    Py_XDECREF(self->breaks);
    Py_XDECREF(self->rewritten);
    Py_XDECREF(self->anchored);
    Py_TYPE(self)->tp_free((PyObject *)self);
}

/* The converted Latin runs' edges (an iterable of positions) as flags: 0, or -1. */
static int latin_edges(JudgeText *self, PyObject *positions) {
    Py_ssize_t size = PyObject_Length(positions);
    if (size == 0) {
        return 0;  /* most texts: no flags kept */
    }
    if (size < 0) {
        PyErr_Clear();  /* an iterable without a length is read all the same */
    }
    if (!(self->latin = PyMem_Calloc((size_t)self->length + 1, 1))) {
        PyErr_NoMemory();
        return -1;
    }
    PyObject *iterator = PyObject_GetIter(positions), *item;
    if (iterator == NULL) {
        return -1;
    }
    while ((item = PyIter_Next(iterator)) != NULL) {
        Py_ssize_t at = PyLong_AsSsize_t(item);
        Py_DECREF(item);
        if (at == -1 && PyErr_Occurred()) {
            break;
        }
        if (at >= 0 && at <= self->length) {
            self->latin[at] = 1;
        }
    }
    Py_DECREF(iterator);
    return PyErr_Occurred() ? -1 : 0;
}

int JudgeText_init(JudgeText *self, PyObject *args, PyObject *Py_UNUSED(kwds)) {
    PyObject *specs, *norm, *phon, *breaks, *rewritten, *latin, *anchored;
    if (!PyArg_ParseTuple(args, "O!UUSOOS", &PyTuple_Type, &specs, &norm, &phon, &breaks, &rewritten, &latin, &anchored)) {
        return -1;
    }
    Py_ssize_t length = PyUnicode_GET_LENGTH(norm);
    if (PyTuple_GET_SIZE(specs) != 6 || !PyTuple_Check(PyTuple_GET_ITEM(specs, 0))
        || !PyAnySet_Check(PyTuple_GET_ITEM(specs, 2)) || !PyCallable_Check(PyTuple_GET_ITEM(specs, 3))) {
        PyErr_SetString(PyExc_TypeError, "specs must be (rules, not_excusing, particles, word_ends, frames, mentions)");
        return -1;
    }
    if (PyUnicode_GET_LENGTH(phon) != length || PyBytes_GET_SIZE(breaks) != length + 1) {
        PyErr_SetString(PyExc_ValueError, "norm, phon and breaks must be of one folded text");
        return -1;
    }
    JudgeText_free(self);
    Py_INCREF(specs);
    Py_XSETREF(self->specs, specs);
    Py_INCREF(norm);
    Py_XSETREF(self->norm, norm);
    Py_INCREF(phon);
    Py_XSETREF(self->phon, phon);
    Py_INCREF(breaks);
    Py_XSETREF(self->breaks, breaks);
    Py_INCREF(rewritten);
    Py_XSETREF(self->rewritten, rewritten);
    Py_INCREF(anchored);
    Py_XSETREF(self->anchored, anchored);
    self->length = length;
    self->levels = (const unsigned char *)PyBytes_AS_STRING(breaks);
    Py_ssize_t clauses = 0, sentences = 0;
    for (Py_ssize_t i = 1; i < length; i++) {
        clauses += self->levels[i] >= LEVEL_CLAUSE;
        sentences += self->levels[i] >= LEVEL_SENTENCE;
    }
    if (!(self->edges[LEVEL_CLAUSE] = PyMem_Malloc(sizeof(Py_ssize_t) * (clauses + sentences + 1)))) {
        PyErr_NoMemory();
        return -1;
    }
    self->edges[LEVEL_SENTENCE] = self->edges[LEVEL_CLAUSE] + clauses;
    for (Py_ssize_t i = 1; i < length; i++) {
        for (int level = LEVEL_CLAUSE; level <= self->levels[i] && level <= LEVEL_SENTENCE; level++) {
            self->edges[level][self->counts[level]++] = i;
        }
    }
    return latin_edges(self, latin);
}

/* Regions.around: the clause or sentence holding [start, end) */
void judge_around(const JudgeText *self, Py_ssize_t start, Py_ssize_t end, int level, Py_ssize_t *low, Py_ssize_t *high) {
    const Py_ssize_t *edges = self->edges[level];
    Py_ssize_t n = self->counts[level];
    Py_ssize_t before = bisect(edges, n, start, 1) - 1;
    Py_ssize_t after = bisect(edges, n, end > start + 1 ? end : start + 1, 0);
    *low = before >= 0 ? edges[before] : 0;
    *high = after < n ? edges[after] : self->length;
}

/* Regions.crosses */
int judge_crosses(const JudgeText *self, Py_ssize_t start, Py_ssize_t end, int level) {
    Py_ssize_t index = bisect(self->edges[level], self->counts[level], start, 1);
    return index < self->counts[level] && self->edges[level][index] < end;
}

/* Regions.guarded */
void judge_guarded(const JudgeText *self, Py_ssize_t start, Py_ssize_t end, int level, Py_ssize_t reach,
                    Py_ssize_t *low, Py_ssize_t *high) {
    judge_around(self, start, end, level, low, high);
    if (*high - *low <= LONG_SENTENCE) {
        return;
    }
    if (level == LEVEL_CLAUSE) {
        *low = *low > start - LONG_CLAUSE_REACH ? *low : start - LONG_CLAUSE_REACH;
        *high = *high < end + LONG_CLAUSE_REACH ? *high : end + LONG_CLAUSE_REACH;
        return;
    }
    reach = reach ? reach : LONG_SENTENCE_REACH;
    Py_ssize_t before = *low > start - reach ? *low : start - reach, after = *high < end + reach ? *high : end + reach;
    Py_ssize_t first_low, first_high, last_low, last_high;
    judge_around(self, before, before + 1, LEVEL_CLAUSE, &first_low, &first_high);
    judge_around(self, after - 1, after, LEVEL_CLAUSE, &last_low, &last_high);
    Py_ssize_t from = first_high - first_low <= LONG_SENTENCE ? first_low : before;
    Py_ssize_t to = last_high - last_low <= LONG_SENTENCE ? last_high : after;
    *low = *low > from ? *low : from;
    *high = *high < to ? *high : to;
}

/* Regions.token_edges: the word edges of the clause around `position` (jieba, dictionary only),
 * sorted, with their count in *count; NULL with an exception. */
static const Py_ssize_t *token_edges(JudgeText *self, Py_ssize_t position, Py_ssize_t *count) {
    Py_ssize_t low, high;
    judge_around(self, position < self->length - 1 ? position : self->length - 1,
           position + 1 < self->length ? position + 1 : self->length, LEVEL_CLAUSE, &low, &high);
    Py_ssize_t clause = low == 0 ? 0 : bisect(self->edges[LEVEL_CLAUSE], self->counts[LEVEL_CLAUSE], low, 0) + 1;
    if (self->tokens == NULL) {
        self->tokens = PyMem_Calloc((size_t)self->counts[LEVEL_CLAUSE] + 1, sizeof(Py_ssize_t *));
        self->token_counts = PyMem_Calloc((size_t)self->counts[LEVEL_CLAUSE] + 1, sizeof(Py_ssize_t));
        if (self->tokens == NULL || self->token_counts == NULL) {
            PyErr_NoMemory();
            return NULL;
        }
    }
    if (self->tokens[clause] == NULL) {
        PyObject *words = PyUnicode_Substring(self->norm, low, high), *ends = NULL;
        if (words != NULL) {
            ends = PyObject_CallOneArg(PyTuple_GET_ITEM(self->specs, 3), words);
            Py_DECREF(words);
        }
        if (ends == NULL || !PyList_Check(ends)) {
            if (ends != NULL) {
                PyErr_SetString(PyExc_TypeError, "word_ends must answer a list");
            }
            Py_XDECREF(ends);
            return NULL;
        }
        Py_ssize_t n = PyList_GET_SIZE(ends), *edges = PyMem_Malloc(sizeof(Py_ssize_t) * (n + 2)), used = 0;
        if (edges == NULL) {
            Py_DECREF(ends);
            PyErr_NoMemory();
            return NULL;
        }
        edges[used++] = low;
        edges[used++] = high;
        for (Py_ssize_t i = 0; i < n; i++) {
            Py_ssize_t end = PyLong_AsSsize_t(PyList_GET_ITEM(ends, i));
            if (end == -1 && PyErr_Occurred()) {
                Py_DECREF(ends);
                PyMem_Free(edges);
                return NULL;
            }
            edges[used++] = low + end;
        }
        Py_DECREF(ends);
        /* sorted, each once (a set in Python) */
        for (Py_ssize_t i = 1; i < used; i++) {
            Py_ssize_t value = edges[i], j = i;
            for (; j > 0 && edges[j - 1] > value; j--) {
                edges[j] = edges[j - 1];
            }
            edges[j] = value;
        }
        Py_ssize_t unique = 0;
        for (Py_ssize_t i = 0; i < used; i++) {
            if (unique == 0 || edges[unique - 1] != edges[i]) {
                edges[unique++] = edges[i];
            }
        }
        self->tokens[clause] = edges;
        self->token_counts[clause] = unique;
    }
    *count = self->token_counts[clause];
    return self->tokens[clause];
}

static int listed(const Py_ssize_t *sorted, Py_ssize_t n, Py_ssize_t value) {
    Py_ssize_t index = bisect(sorted, n, value, 0);
    return index < n && sorted[index] == value;
}

static int ascii_letter(Py_UCS4 c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/* judge._latin_edge */
static int latin_edge(const JudgeText *self, Py_ssize_t position) {
    if (self->latin != NULL && self->latin[position]) {
        return 1;
    }
    int kind = PyUnicode_KIND(self->norm);
    const void *data = PyUnicode_DATA(self->norm);
    int has_before = position >= 1 && position - 1 < self->length, has_after = position < self->length;
    Py_UCS4 before = has_before ? PyUnicode_READ(kind, data, position - 1) : 0;
    Py_UCS4 after = has_after ? PyUnicode_READ(kind, data, position) : 0;
    int letter_before = has_before && ascii_letter(before), letter_after = has_after && ascii_letter(after);
    return letter_before != letter_after || (letter_before && has_after && before == after);
}

/* judge.word_edge_problem: whether the hit cuts through a word: 1, 0, or -1. */
int judge_cuts_word(JudgeText *self, Py_ssize_t start, Py_ssize_t end, Py_ssize_t last_start) {
    Py_ssize_t count;
    const Py_ssize_t *edges;
    if (!(start == 0 || self->levels[start] != 0)) {
        if (!(edges = token_edges(self, start, &count))) {
            return -1;
        }
        if (!listed(edges, count, start) && !latin_edge(self, start)) {
            return 1;
        }
    }
    if (end == self->length || self->levels[end] || latin_edge(self, end)) {
        return 0;
    }
    PyObject *at = PyLong_FromUnsignedLong(PyUnicode_READ_CHAR(self->norm, end));
    int particle = at ? PySet_Contains(PyTuple_GET_ITEM(self->specs, 2), at) : -1;
    Py_XDECREF(at);
    if (particle != 0) {
        return particle < 0 ? -1 : 0;
    }
    if (!(edges = token_edges(self, end - 1, &count))) {
        return -1;
    }
    if (listed(edges, count, end)) {
        return 0;
    }
    Py_ssize_t index = bisect(edges, count, end, 0) - 1;
    Py_ssize_t word_start = edges[index >= 0 ? index : count - 1];
    return !(word_start == last_start && end - last_start >= 2);
}
