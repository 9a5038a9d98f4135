/* WordGraph: the word edges of jieba's no-HMM cut of one run of Han characters, letters and digits.
 *
 * The judge asks for the word edges of each clause a hit lies in (`Regions.token_edges`).  jieba
 * finds, at each character, the dictionary words starting there, and takes the route of highest
 * log probability from the end of the run back; in Python (`words._dictionary_ends`) that is a
 * trie call and a loop per character, ~4 µs a character.  Here the dictionary's words and every
 * prefix of them sit in one hash table, so the words starting at a character come from one hash
 * per character added, until the characters read are no word's prefix: the same route, the same
 * sums in the same order.  See `engine/words.py`. */
#include "_native.h"
#include <math.h>

#define SEED 14695981039346656037ULL

/* The longest word the table holds: an entry keeps its length in the low byte of its tag. */
#define LONGEST_WORD 255

typedef struct {
    int32_t word;  /* the word the entry spells (or spells the start of), -1 for an empty slot */
    uint32_t tag;  /* the hash's high bits over a byte of how many of the word's characters (all of
                    * them when the entry is the word) */
} WordSlot;

static inline uint32_t tag_of(uint64_t h, int32_t length) {
    return ((uint32_t)(h >> 32) & ~(uint32_t)LONGEST_WORD) | (uint32_t)length;
}

/* ~12 MB for jieba's 349,045 words: characters of the BMP (jieba's are), 8-byte slots. */
typedef struct {
    PyObject_HEAD
    Py_UCS2 *chars;      /* every word's characters, one word after the other */
    int32_t *starts;     /* where word i starts in chars */
    uint8_t *lengths;
    double *weights;     /* log(count) - log(total), as `Dictionary.starting` gives it */
    Py_ssize_t count;
    WordSlot *slots;     /* open addressing, at most half full */
    size_t mask;
    int longest;
    double unknown;      /* a character no word starts with */
} WordGraph;

/* The slot holding the entry for `length` characters at `text` whose rolling hash is `h`, or the
 * empty slot where it would go. */
static WordSlot *slot_of(const WordGraph *self, uint64_t h, int kind, const void *data, Py_ssize_t at, int32_t length) {
    h = finish(h);
    uint32_t tag = tag_of(h, length);
    size_t index = (size_t)h & self->mask;
    for (;;) {
        WordSlot *slot = &self->slots[index];
        if (slot->word < 0) {
            return slot;
        }
        if (slot->tag == tag) {
            const Py_UCS2 *chars = self->chars + self->starts[slot->word];
            int32_t i = 0;
            while (i < length && chars[i] == PyUnicode_READ(kind, data, at + i)) {
                i++;
            }
            if (i == length) {
                return slot;
            }
        }
        index = (index + 1) & self->mask;
    }
}

static void graph_free(WordGraph *self) {
    PyMem_Free(self->chars);
    PyMem_Free(self->starts);
    PyMem_Free(self->lengths);
    PyMem_Free(self->weights);
    PyMem_Free(self->slots);
    self->chars = NULL;
    self->starts = NULL;
    self->lengths = NULL;
    self->weights = NULL;
    self->slots = NULL;
    self->count = 0;
}

static void WordGraph_dealloc(WordGraph *self) {
    graph_free(self);
    Py_TYPE(self)->tp_free((PyObject *)self);
}

static uint64_t hash_of(const WordGraph *self, int32_t word, int32_t length) {
    const Py_UCS2 *chars = self->chars + self->starts[word];
    uint64_t h = SEED;
    for (int32_t i = 0; i < length; i++) {
        h = mix(h, chars[i]);
    }
    return h;
}

/* Doubles the table, every entry put in again where it now belongs. */
static int grow(WordGraph *self) {
    size_t capacity = (self->mask + 1) * 2;
    WordSlot *old = self->slots, *slots = PyMem_Malloc(sizeof(WordSlot) * capacity);
    if (slots == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    for (size_t i = 0; i < capacity; i++) {
        slots[i].word = -1;
    }
    size_t old_capacity = self->mask + 1;
    self->slots = slots;
    self->mask = capacity - 1;
    for (size_t i = 0; i < old_capacity; i++) {
        if (old[i].word >= 0) {
            int32_t length = (int32_t)(old[i].tag & LONGEST_WORD);
            uint64_t h = hash_of(self, old[i].word, length);
            *slot_of(self, h, PyUnicode_2BYTE_KIND, self->chars + self->starts[old[i].word], 0, length) = old[i];
        }
    }
    PyMem_Free(old);
    return 0;
}

/* Puts the entry for the first `length` characters of word `word` in, unless it is there already
 * (a word listed before, or a prefix of one); the table grows to stay at most half full. */
static int insert(WordGraph *self, int32_t word, int32_t length, Py_ssize_t *entries) {
    uint64_t h = hash_of(self, word, length);
    WordSlot *slot = slot_of(self, h, PyUnicode_2BYTE_KIND, self->chars + self->starts[word], 0, length);
    if (slot->word >= 0) {
        return 0;
    }
    slot->word = word;
    slot->tag = tag_of(finish(h), length);
    if (++*entries * 2 > (Py_ssize_t)(self->mask + 1)) {
        return grow(self);
    }
    return 0;
}

/* WordGraph(words, counts, log_total): `words` the dictionary's words joined by "\n", `counts`
 * their counts (a buffer of unsigned 32-bit integers, in the same order). */
static int WordGraph_init(WordGraph *self, PyObject *args, PyObject *Py_UNUSED(kwds)) {
    PyObject *words;
    Py_buffer counts;
    double log_total;
    if (!PyArg_ParseTuple(args, "Uy*d", &words, &counts, &log_total)) {
        return -1;
    }
    graph_free(self);
    int result = -1;
    Py_ssize_t size = PyUnicode_GET_LENGTH(words);
    int kind = PyUnicode_KIND(words);
    const void *data = PyUnicode_DATA(words);
    Py_ssize_t count = size ? 1 : 0;
    for (Py_ssize_t i = 0; i < size; i++) {
        count += PyUnicode_READ(kind, data, i) == '\n';
    }
    if (counts.len != count * (Py_ssize_t)sizeof(uint32_t) || counts.itemsize != sizeof(uint32_t)) {
        PyErr_SetString(PyExc_ValueError, "counts must hold one unsigned 32-bit count per word");
        goto done;
    }
    size_t capacity = 1024;
    while (capacity < (size_t)count * 3) {  /* an entry per word and per prefix that is none: ~1.5 a word */
        capacity <<= 1;
    }
    if (size > INT32_MAX) {
        PyErr_SetString(PyExc_ValueError, "the words hold more characters than the table can index");
        goto done;
    }
    self->chars = PyMem_Malloc(sizeof(Py_UCS2) * (size ? size : 1));
    self->starts = PyMem_Malloc(sizeof(int32_t) * (count ? count : 1));
    self->lengths = PyMem_Malloc(sizeof(uint8_t) * (count ? count : 1));
    self->weights = PyMem_Malloc(sizeof(double) * (count ? count : 1));
    self->slots = PyMem_Malloc(sizeof(WordSlot) * capacity);
    if (!self->chars || !self->starts || !self->lengths || !self->weights || !self->slots) {
        PyErr_NoMemory();
        goto done;
    }
    self->mask = capacity - 1;
    for (size_t i = 0; i < capacity; i++) {
        self->slots[i].word = -1;
    }
    const uint32_t *given = (const uint32_t *)counts.buf;
    Py_ssize_t word = 0, start = 0, longest = 0;
    for (Py_ssize_t i = 0; i <= size && count; i++) {
        Py_UCS4 c = i < size ? PyUnicode_READ(kind, data, i) : '\n';
        if (c != '\n') {
            if (c > 0xFFFF) {
                PyErr_Format(PyExc_ValueError, "word %zd holds a character beyond the BMP", word);
                goto done;
            }
            self->chars[i] = (Py_UCS2)c;
            continue;
        }
        if (i - start > LONGEST_WORD) {
            PyErr_Format(PyExc_ValueError, "word %zd is longer than %d characters", word, LONGEST_WORD);
            goto done;
        }
        self->starts[word] = (int32_t)start;
        self->lengths[word] = (uint8_t)(i - start);
        self->weights[word] = log((double)given[word]) - log_total;
        longest = i - start > longest ? i - start : longest;
        word++;
        start = i + 1;
    }
    self->count = count;
    self->longest = (int)longest;
    self->unknown = -log_total;
    Py_ssize_t entries = 0;
    for (Py_ssize_t w = 0; w < count; w++) {  /* every word before any prefix, so a prefix that is a word is the word */
        if (insert(self, (int32_t)w, self->lengths[w], &entries) < 0) {
            goto done;
        }
    }
    for (Py_ssize_t w = 0; w < count; w++) {
        for (int32_t length = 1; length < self->lengths[w]; length++) {
            if (insert(self, (int32_t)w, length, &entries) < 0) {
                goto done;
            }
        }
    }
    result = 0;
done:
    PyBuffer_Release(&counts);
    if (result < 0) {
        graph_free(self);
    }
    return result;
}

static inline int single_latin(Py_UCS4 c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

/* jieba's re_han_default: what its dictionary cut reads (any other character is a word alone). */
static inline int in_run(Py_UCS4 c) {
    return (c >= 0x4E00 && c <= 0x9FD5) || single_latin(c) || c == '+' || c == '#' || c == '&' || c == '.' || c == '_'
           || c == '%' || c == '-';
}

/* Appends where each word of the run [first, last) of the text ends: jieba's maximum-probability
 * route, single letters and digits in a row joined into one word as its no-HMM cut joins them.
 * `scores` and `nexts` hold at least last - first + 1 places. */
static int run_ends(const WordGraph *self, int kind, const void *data, Py_ssize_t first, Py_ssize_t last, double *scores,
                    Py_ssize_t *nexts, PyObject *ends) {
    Py_ssize_t size = last - first;
    scores[size] = 0.0;
    for (Py_ssize_t start = size - 1; start >= 0; start--) {
        int found = 0;
        double best = 0.0;
        Py_ssize_t best_end = start + 1;
        uint64_t h = SEED;
        Py_ssize_t reach = size - start < self->longest ? size - start : self->longest;
        for (Py_ssize_t length = 1; length <= reach; length++) {  /* shortest first, as the trie gives them */
            h = mix(h, PyUnicode_READ(kind, data, first + start + length - 1));
            const WordSlot *slot = slot_of(self, h, kind, data, first + start, (int32_t)length);
            if (slot->word < 0) {
                break;  /* no word starts with these characters */
            }
            if ((int32_t)(slot->tag & LONGEST_WORD) != self->lengths[slot->word]) {
                continue;  /* only the start of a word */
            }
            double total = self->weights[slot->word] + scores[start + length];
            if (!found || total >= best) {  /* a tie goes to the longer word, as jieba's max() */
                found = 1;
                best = total;
                best_end = start + length;
            }
        }
        scores[start] = found ? best : self->unknown + scores[start + 1];
        nexts[start] = best_end;
    }
    int latin = 0;
    for (Py_ssize_t position = 0; position < size;) {
        Py_ssize_t after = nexts[position];
        int single = after - position == 1 && single_latin(PyUnicode_READ(kind, data, first + position));
        /* the end of the run of single letters before this word */
        if (latin && !single && append_new(ends, PyLong_FromSsize_t(first + position)) < 0) {
            return -1;
        }
        if (!single && append_new(ends, PyLong_FromSsize_t(first + after)) < 0) {
            return -1;
        }
        latin = single;
        position = after;
    }
    return latin ? append_new(ends, PyLong_FromSsize_t(last)) : 0;
}

/* word_ends(text): where each word of jieba's `cut(text, HMM=False)` ends. */
static PyObject *WordGraph_word_ends(WordGraph *self, PyObject *args) {
    PyObject *text;
    if (!PyArg_ParseTuple(args, "U", &text)) {
        return NULL;
    }
    if (self->slots == NULL) {
        PyErr_SetString(PyExc_ValueError, "the word graph holds no words");
        return NULL;
    }
    Py_ssize_t length = PyUnicode_GET_LENGTH(text);
    int kind = PyUnicode_KIND(text);
    const void *data = PyUnicode_DATA(text);
    double *scores = PyMem_Malloc(sizeof(double) * (length + 1));
    Py_ssize_t *nexts = PyMem_Malloc(sizeof(Py_ssize_t) * (length + 1));
    PyObject *ends = PyList_New(0);
    if (scores == NULL || nexts == NULL || ends == NULL) {
        if (ends != NULL) {
            PyErr_NoMemory();
        }
        Py_CLEAR(ends);
        goto done;
    }
    for (Py_ssize_t position = 0; position < length;) {
        Py_UCS4 c = PyUnicode_READ(kind, data, position);
        if (in_run(c)) {
            Py_ssize_t last = position + 1;
            while (last < length && in_run(PyUnicode_READ(kind, data, last))) {
                last++;
            }
            if (run_ends(self, kind, data, position, last, scores, nexts, ends) < 0) {
                Py_CLEAR(ends);
                goto done;
            }
            position = last;
            continue;
        }
        /* a character alone; "\r\n" together, as jieba's re_skip_default */
        position += c == '\r' && position + 1 < length && PyUnicode_READ(kind, data, position + 1) == '\n' ? 2 : 1;
        if (append_new(ends, PyLong_FromSsize_t(position)) < 0) {
            Py_CLEAR(ends);
            goto done;
        }
    }
done:
    PyMem_Free(scores);
    PyMem_Free(nexts);
    return ends;
}

static PyMethodDef WordGraph_methods[] = {
    {"word_ends", (PyCFunction)WordGraph_word_ends, METH_VARARGS,
     "word_ends(text): where each word of jieba's no-HMM cut of `text` ends."},
    {NULL}
};

PyTypeObject WordGraphType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "phrasecheck.engine._native.WordGraph",
    .tp_doc = "WordGraph(words, counts, log_total): jieba's dictionary (words joined by newlines, their counts as "
              "unsigned 32-bit integers) for the word edges of its no-HMM cut.",
    .tp_basicsize = sizeof(WordGraph),
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_new = PyType_GenericNew,
    .tp_init = (initproc)WordGraph_init,
    .tp_dealloc = (destructor)WordGraph_dealloc,
    .tp_methods = WordGraph_methods,
};
