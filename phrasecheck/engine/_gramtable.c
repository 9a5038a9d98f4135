/* GramTable: the category model's n-grams looked up by hashing each substring of their lengths.
 *
 * Every checked text is bounded by the model (classify.CategoryModel): the sum of the positive
 * weights of the n-grams it holds, then per sentence and per window of a long call.  In Python
 * that was an Aho-Corasick scan returning a list of hits per text and list comprehensions over
 * them, a third of the time of a clean message.  Here one pass over the text's characters sums
 * them: the model's n-grams have a few lengths (2 and 3 for the shipped models), so each end
 * position costs one hash and one probe per length.
 *
 * Hits are visited in the order the scan gave them (by end, the longest first at one end), so
 * `totals` sums the n-grams' weights in the order `CategoryModel` summed them in Python.
 */
#include "_native.h"

#define MAX_LENGTH 16
#define MAX_CATEGORIES 64

typedef struct {
    uint32_t check;        /* the hash's high bits: most probes of another key stop here */
    int32_t key;           /* key index, or -1 for an empty slot */
} Slot;

/* Keys of at most PACKED_LENGTH characters of the BMP (the shipped models' bigrams and trigrams)
 * are also kept whole in one integer, 16 bits a character under their length: a lookup is then one
 * probe comparing integers, over a text read once, character by character. */
#define PACKED_LENGTH 3

typedef struct {
    uint64_t packed;       /* the key itself, or 0 for an empty slot */
    int32_t key;           /* key index, or -1 for an empty slot */
    int32_t unused;
} PackedSlot;

typedef struct {
    PyObject_HEAD
    Py_ssize_t count;
    Py_UCS4 *chars;        /* every key's code points, one after the other */
    Py_ssize_t *offsets;   /* where key i starts in chars */
    uint8_t *lengths;      /* key i's length */
    double *weights;       /* key i's weight */
    double *columns;       /* key i's weight per category: columns[i * width + c] (may be NULL) */
    double *category_bias;
    int width;             /* categories: at most MAX_CATEGORIES */
    Slot *slots;           /* open addressing, at most half full */
    PackedSlot *packed;    /* the same keys packed, when every key can be; else NULL */
    size_t mask;
    int length_count;
    int by_length[MAX_LENGTH];  /* the keys' distinct lengths, longest first */
    uint32_t *stamps;      /* stamps[i] == stamp: key i already met in this call */
    uint32_t stamp;
} GramTable;

static inline uint64_t mix(uint64_t h, Py_UCS4 c) {
    return (h ^ (uint64_t)c) * 1099511628211ULL;
}

static inline uint64_t finish(uint64_t h) {
    h ^= h >> 29;
    h *= 0xbf58476d1ce4e5b9ULL;
    return h ^ (h >> 32);
}

static inline uint64_t packed_key(int length, uint64_t characters) {
    return ((uint64_t)length << 48) | (characters & ((1ULL << (16 * length)) - 1));
}

static inline int32_t packed_lookup(const GramTable *self, uint64_t packed) {
    uint64_t h = packed * 0x9E3779B97F4A7C15ULL;
    size_t slot = (size_t)(h ^ (h >> 29)) & self->mask;
    for (;;) {
        const PackedSlot *found = &self->packed[slot];
        if (found->key < 0 || found->packed == packed) {
            return found->key;
        }
        slot = (slot + 1) & self->mask;
    }
}

static void table_free(GramTable *self) {
    PyMem_Free(self->chars);
    PyMem_Free(self->offsets);
    PyMem_Free(self->lengths);
    PyMem_Free(self->weights);
    PyMem_Free(self->columns);
    PyMem_Free(self->category_bias);
    PyMem_Free(self->slots);
    PyMem_Free(self->packed);
    PyMem_Free(self->stamps);
    self->chars = NULL;
    self->offsets = NULL;
    self->lengths = NULL;
    self->weights = NULL;
    self->columns = NULL;
    self->category_bias = NULL;
    self->width = 0;
    self->slots = NULL;
    self->packed = NULL;
    self->stamps = NULL;
}

static void GramTable_dealloc(GramTable *self) {
    table_free(self);
    Py_TYPE(self)->tp_free((PyObject *)self);
}

/* The key of `length` code points at `start` in a text (kind, data), or -1. */
static inline int32_t lookup(const GramTable *self, int kind, const void *data, Py_ssize_t start, int length) {
    uint64_t h = 14695981039346656037ULL ^ (uint64_t)length;
    for (int i = 0; i < length; i++) {
        h = mix(h, PyUnicode_READ(kind, data, start + i));
    }
    h = finish(h);
    uint32_t check = (uint32_t)(h >> 32);
    size_t slot = (size_t)h & self->mask;
    for (;;) {
        int32_t key = self->slots[slot].key;
        if (key < 0) {
            return -1;
        }
        if (self->slots[slot].check == check && self->lengths[key] == length) {
            const Py_UCS4 *chars = self->chars + self->offsets[key];
            int i = 0;
            while (i < length && chars[i] == PyUnicode_READ(kind, data, start + i)) {
                i++;
            }
            if (i == length) {
                return key;
            }
        }
        slot = (slot + 1) & self->mask;
    }
}

static int GramTable_init(GramTable *self, PyObject *args, PyObject *kwds) {
    static char *names[] = {"keys", "weights", "columns", "category_bias", NULL};
    PyObject *keys_arg, *weights_arg;
    Py_buffer columns = {0}, category_bias = {0};
    if (!PyArg_ParseTupleAndKeywords(args, kwds, "OO|y*y*", names, &keys_arg, &weights_arg, &columns, &category_bias)) {
        return -1;
    }
    table_free(self);
    if (category_bias.buf != NULL) {
        int width = (int)(category_bias.len / (Py_ssize_t)sizeof(double));
        if (width < 1 || width > MAX_CATEGORIES || category_bias.len % (Py_ssize_t)sizeof(double)
            || columns.len % ((Py_ssize_t)sizeof(double) * width)) {
            PyErr_Format(PyExc_ValueError, "category_bias must hold 1 to %d doubles, and columns as many per key",
                         MAX_CATEGORIES);
            PyBuffer_Release(&columns);
            PyBuffer_Release(&category_bias);
            return -1;
        }
        self->width = width;
        self->columns = PyMem_Malloc(columns.len ? (size_t)columns.len : 1);
        self->category_bias = PyMem_Malloc((size_t)category_bias.len);
        if (self->columns == NULL || self->category_bias == NULL) {
            PyBuffer_Release(&columns);
            PyBuffer_Release(&category_bias);
            table_free(self);
            PyErr_NoMemory();
            return -1;
        }
        memcpy(self->columns, columns.buf, columns.len);
        memcpy(self->category_bias, category_bias.buf, category_bias.len);
    }
    Py_ssize_t column_bytes = columns.len;
    PyBuffer_Release(&columns);
    PyBuffer_Release(&category_bias);
    PyObject *keys = PySequence_Fast(keys_arg, "keys must be a sequence of str");
    if (keys == NULL) {
        return -1;
    }
    PyObject *weights = PySequence_Fast(weights_arg, "weights must be a sequence of float");
    if (weights == NULL) {
        Py_DECREF(keys);
        return -1;
    }
    Py_ssize_t count = PySequence_Fast_GET_SIZE(keys);
    int result = -1;
    if (PySequence_Fast_GET_SIZE(weights) != count) {
        PyErr_SetString(PyExc_ValueError, "keys and weights differ in length");
        goto done;
    }
    if (self->width && column_bytes != count * self->width * (Py_ssize_t)sizeof(double)) {
        PyErr_SetString(PyExc_ValueError, "columns must hold one weight per key and category");
        goto done;
    }
    if (count >= INT32_MAX / 4) {
        PyErr_SetString(PyExc_ValueError, "too many keys");
        goto done;
    }
    Py_ssize_t total = 0;
    for (Py_ssize_t i = 0; i < count; i++) {
        PyObject *key = PySequence_Fast_GET_ITEM(keys, i);
        if (!PyUnicode_Check(key)) {
            PyErr_SetString(PyExc_TypeError, "keys must be str");
            goto done;
        }
        Py_ssize_t length = PyUnicode_GET_LENGTH(key);
        if (length < 1 || length > MAX_LENGTH) {
            PyErr_Format(PyExc_ValueError, "keys must be 1 to %d characters", MAX_LENGTH);
            goto done;
        }
        total += length;
    }
    size_t capacity = 16;
    while (capacity < (size_t)count * 2 + 1) {
        capacity <<= 1;
    }
    self->count = count;
    self->mask = capacity - 1;
    self->chars = PyMem_Malloc(sizeof(Py_UCS4) * (total ? total : 1));
    self->offsets = PyMem_Malloc(sizeof(Py_ssize_t) * (count ? count : 1));
    self->lengths = PyMem_Malloc(count ? count : 1);
    self->weights = PyMem_Malloc(sizeof(double) * (count ? count : 1));
    self->slots = PyMem_Malloc(sizeof(Slot) * capacity);
    self->stamps = PyMem_Calloc(count ? count : 1, sizeof(uint32_t));
    if (!self->chars || !self->offsets || !self->lengths || !self->weights || !self->slots || !self->stamps) {
        PyErr_NoMemory();
        goto done;
    }
    memset(self->slots, 0xff, sizeof(Slot) * capacity);
    self->stamp = 0;
    int seen_length[MAX_LENGTH + 1] = {0};
    Py_ssize_t offset = 0;
    for (Py_ssize_t i = 0; i < count; i++) {
        PyObject *key = PySequence_Fast_GET_ITEM(keys, i);
        double weight = PyFloat_AsDouble(PySequence_Fast_GET_ITEM(weights, i));
        if (weight == -1.0 && PyErr_Occurred()) {
            goto done;
        }
        int length = (int)PyUnicode_GET_LENGTH(key);
        int kind = PyUnicode_KIND(key);
        const void *data = PyUnicode_DATA(key);
        if (lookup(self, kind, data, 0, length) >= 0) {
            PyErr_SetString(PyExc_ValueError, "keys must be distinct");
            goto done;
        }
        uint64_t h = 14695981039346656037ULL ^ (uint64_t)length;
        for (int c = 0; c < length; c++) {
            Py_UCS4 ch = PyUnicode_READ(kind, data, c);
            self->chars[offset + c] = ch;
            h = mix(h, ch);
        }
        self->offsets[i] = offset;
        self->lengths[i] = (uint8_t)length;
        self->weights[i] = weight;
        offset += length;
        seen_length[length] = 1;
        h = finish(h);
        size_t slot = (size_t)h & self->mask;
        while (self->slots[slot].key >= 0) {
            slot = (slot + 1) & self->mask;
        }
        self->slots[slot].check = (uint32_t)(h >> 32);
        self->slots[slot].key = (int32_t)i;
    }
    int packable = 1;
    for (Py_ssize_t i = 0; i < count && packable; i++) {
        packable = self->lengths[i] <= PACKED_LENGTH;
        for (int c = 0; c < self->lengths[i] && packable; c++) {
            packable = self->chars[self->offsets[i] + c] <= 0xFFFF;
        }
    }
    if (packable) {
        self->packed = PyMem_Malloc(sizeof(PackedSlot) * capacity);
        if (self->packed == NULL) {
            PyErr_NoMemory();
            goto done;
        }
        for (size_t slot = 0; slot < capacity; slot++) {
            self->packed[slot].packed = 0;
            self->packed[slot].key = -1;
        }
        for (Py_ssize_t i = 0; i < count; i++) {
            uint64_t characters = 0;
            for (int c = 0; c < self->lengths[i]; c++) {
                characters = (characters << 16) | self->chars[self->offsets[i] + c];
            }
            uint64_t packed = packed_key(self->lengths[i], characters);
            uint64_t h = packed * 0x9E3779B97F4A7C15ULL;
            size_t slot = (size_t)(h ^ (h >> 29)) & self->mask;
            while (self->packed[slot].key >= 0) {
                slot = (slot + 1) & self->mask;
            }
            self->packed[slot].packed = packed;
            self->packed[slot].key = (int32_t)i;
        }
    }
    self->length_count = 0;
    for (int length = MAX_LENGTH; length >= 1; length--) {
        if (seen_length[length]) {
            self->by_length[self->length_count++] = length;
        }
    }
    result = 0;
done:
    if (result < 0) {
        table_free(self);
        self->count = 0;
    }
    Py_DECREF(keys);
    Py_DECREF(weights);
    return result;
}

/* Clips [start, end) to the text; -1 (an error set) when the table was never initialised. */
static int clip(GramTable *self, PyObject *text, Py_ssize_t *start, Py_ssize_t *end) {
    if (self->slots == NULL) {
        PyErr_SetString(PyExc_RuntimeError, "GramTable not initialised");
        return -1;
    }
    Py_ssize_t length = PyUnicode_GET_LENGTH(text);
    if (*end > length) {
        *end = length;
    }
    if (*start < 0) {
        *start = 0;
    }
    return 0;
}

/* The text and the stretch of it [start, end) a method reads (the whole text by default). */
static int parse_span(GramTable *self, PyObject *args, PyObject **text, Py_ssize_t *start, Py_ssize_t *end) {
    *start = 0;
    *end = PY_SSIZE_T_MAX;
    if (!PyArg_ParseTuple(args, "U|nn", text, start, end)) {
        return -1;
    }
    return clip(self, *text, start, end);
}

static void next_stamp(GramTable *self) {
    if (++self->stamp == 0) {
        memset(self->stamps, 0, sizeof(uint32_t) * (self->count ? self->count : 1));
        self->stamp = 1;
    }
}

/* Every hit lying wholly inside [start, end), in scan order (by end, the longest first), runs
 * `body` with `key` set: packed keys over a rolling window of the last characters read, or one
 * hash of each substring of the keys' lengths. */
#define EACH_HIT(self, text, start, end, key, body)                                           \
    do {                                                                                      \
        int kind_ = PyUnicode_KIND(text);                                                     \
        const void *data_ = PyUnicode_DATA(text);                                             \
        if ((self)->packed != NULL) {                                                         \
            uint64_t window_ = 0;                                                             \
            Py_ssize_t plain_ = 0; /* characters of the BMP in a row, ending here */          \
            for (Py_ssize_t at_ = (start); at_ < (end); at_++) {                              \
                Py_UCS4 c_ = PyUnicode_READ(kind_, data_, at_);                               \
                if (c_ > 0xFFFF) {                                                            \
                    plain_ = 0; /* no packed key holds it */                                  \
                    continue;                                                                 \
                }                                                                             \
                window_ = (window_ << 16) | c_;                                               \
                plain_++;                                                                     \
                for (int l_ = 0; l_ < (self)->length_count; l_++) {                           \
                    int length_ = (self)->by_length[l_];                                      \
                    if (plain_ < length_) {                                                   \
                        continue;                                                             \
                    }                                                                         \
                    int32_t key = packed_lookup((self), packed_key(length_, window_));        \
                    if (key >= 0) {                                                           \
                        body                                                                  \
                    }                                                                         \
                }                                                                             \
            }                                                                                 \
        } else {                                                                              \
            for (Py_ssize_t stop_ = (start) + 1; stop_ <= (end); stop_++) {                   \
                for (int l_ = 0; l_ < (self)->length_count; l_++) {                           \
                    int length_ = (self)->by_length[l_];                                      \
                    if (stop_ - length_ < (start)) {                                          \
                        continue;                                                             \
                    }                                                                         \
                    int32_t key = lookup((self), kind_, data_, stop_ - length_, length_);     \
                    if (key >= 0) {                                                           \
                        body                                                                  \
                    }                                                                         \
                }                                                                             \
            }                                                                                 \
        }                                                                                     \
    } while (0)

static PyObject *GramTable_rising(GramTable *self, PyObject *args) {
    PyObject *text;
    Py_ssize_t start, end;
    if (parse_span(self, args, &text, &start, &end) < 0) {
        return NULL;
    }
    double sum = 0.0;
    EACH_HIT(self, text, start, end, key, {
        double w = self->weights[key];
        if (w > 0) {
            sum += w;
        }
    });
    return PyFloat_FromDouble(sum);
}

/* The positive weights of [start, end), each time met, plus those under `below` once each. */
static double bound_of(GramTable *self, PyObject *text, double below, Py_ssize_t start, Py_ssize_t end) {
    next_stamp(self);
    double rising = 0.0, falling = 0.0;
    EACH_HIT(self, text, start, end, key, {
        double w = self->weights[key];
        if (w > 0) {
            rising += w;
        } else if (w < below && self->stamps[key] != self->stamp) {
            self->stamps[key] = self->stamp;
            falling += w;
        }
    });
    return rising + falling;
}

static PyObject *GramTable_bound(GramTable *self, PyObject *args) {
    PyObject *text;
    Py_ssize_t start = 0, end = PY_SSIZE_T_MAX;
    double below;
    if (!PyArg_ParseTuple(args, "Ud|nn", &text, &below, &start, &end)) {
        return NULL;
    }
    if (clip(self, text, &start, &end) < 0) {
        return NULL;
    }
    return PyFloat_FromDouble(bound_of(self, text, below, start, end));
}

/* live(text, mark, below, floor, shortest, longest): the stretches between marks of `shortest` to
 * `longest` characters whose bound (as `bound` gives it) reaches `floor`, as (start, end) offsets
 * of the text without its marks: the category model's sentences worth scoring, in one call. */
static PyObject *GramTable_live(GramTable *self, PyObject *args) {
    PyObject *text;
    Py_UCS4 mark;
    double below, floor;
    Py_ssize_t shortest, longest;
    if (!PyArg_ParseTuple(args, "UCddnn", &text, &mark, &below, &floor, &shortest, &longest)) {
        return NULL;
    }
    Py_ssize_t start = 0, length = PY_SSIZE_T_MAX;
    if (clip(self, text, &start, &length) < 0) {
        return NULL;
    }
    int kind = PyUnicode_KIND(text);
    const void *data = PyUnicode_DATA(text);
    PyObject *found = PyList_New(0);
    if (found == NULL) {
        return NULL;
    }
    Py_ssize_t marks = 0;
    for (Py_ssize_t first = 0; first <= length;) {
        Py_ssize_t last = first;
        while (last < length && PyUnicode_READ(kind, data, last) != mark) {
            last++;
        }
        if (shortest <= last - first && last - first <= longest) {
            if (bound_of(self, text, below, first, last) >= floor) {
                PyObject *span = Py_BuildValue("(nn)", first - marks, last - marks);
                if (span == NULL || PyList_Append(found, span) < 0) {
                    Py_XDECREF(span);
                    Py_DECREF(found);
                    return NULL;
                }
                Py_DECREF(span);
            }
        }
        first = last + 1;
        marks++;
    }
    return found;
}

/* windows(marked, folded, sentence_mark, clause_mark, long_sentence, width, shortest, longest,
 * below, floor): the windows of clauses of a long call (as `grams.clause_windows` cuts them from
 * the marked text) whose bound in the folded text reaches `floor`; none when every positive weight
 * of the text together falls short. */
static PyObject *GramTable_windows(GramTable *self, PyObject *args) {
    PyObject *marked, *folded;
    Py_UCS4 sentence_mark, clause_mark;
    Py_ssize_t long_sentence, width, shortest, longest;
    double below, floor;
    if (!PyArg_ParseTuple(args, "UUCCnnnndd", &marked, &folded, &sentence_mark, &clause_mark, &long_sentence,
                          &width, &shortest, &longest, &below, &floor)) {
        return NULL;
    }
    Py_ssize_t start = 0, end = PY_SSIZE_T_MAX;
    if (clip(self, folded, &start, &end) < 0) {
        return NULL;
    }
    PyObject *found = PyList_New(0);
    if (found == NULL) {
        return NULL;
    }
    double rising = 0.0;
    EACH_HIT(self, folded, start, end, key, {
        if (self->weights[key] > 0) {
            rising += self->weights[key];
        }
    });
    if (rising < floor) {
        return found;
    }
    int kind = PyUnicode_KIND(marked);
    const void *data = PyUnicode_DATA(marked);
    Py_ssize_t length = PyUnicode_GET_LENGTH(marked);
    Py_ssize_t *edges = PyMem_Malloc(sizeof(Py_ssize_t) * (length + 2));  /* a sentence's clause starts */
    if (edges == NULL) {
        Py_DECREF(found);
        return PyErr_NoMemory();
    }
    Py_ssize_t position = 0;
    for (Py_ssize_t at = 0; at <= length; at++) {  /* one sentence per turn */
        Py_ssize_t clauses = 0, cursor = position;
        edges[0] = position;
        for (; at < length; at++) {
            Py_UCS4 c = PyUnicode_READ(kind, data, at);
            if (c == sentence_mark) {
                break;
            }
            if (c == clause_mark) {
                edges[++clauses] = cursor;
            } else {
                cursor++;
            }
        }
        edges[++clauses] = cursor;
        if (clauses > 1 && cursor - position > long_sentence) {
            Py_ssize_t last = 0;
            for (Py_ssize_t first = 0; first < clauses; first++) {
                if (edges[first + 1] == edges[first]) {
                    continue;  /* marks in a row: the next clause's run */
                }
                if (last < first + 1) {
                    last = first + 1;
                }
                while (last < clauses && edges[last + 1] - edges[first] <= width) {
                    last++;
                }
                Py_ssize_t size = edges[last] - edges[first];
                if (shortest <= size && size <= longest && end >= edges[last]
                    && bound_of(self, folded, below, edges[first], edges[last]) >= floor) {
                    PyObject *window = Py_BuildValue("(nn)", edges[first], edges[last]);
                    if (window == NULL || PyList_Append(found, window) < 0) {
                        Py_XDECREF(window);
                        PyMem_Free(edges);
                        Py_DECREF(found);
                        return NULL;
                    }
                    Py_DECREF(window);
                }
            }
        }
        position = cursor;
    }
    PyMem_Free(edges);
    return found;
}

/* totals(text, start=0, end=len(text)): (the weights of the n-grams inside, each once, summed in
 * the order first met; the index of the category whose bias plus their weights is highest, the
 * first on a tie): what `CategoryModel` scores a sentence by, as its Python sums give them. */
static PyObject *GramTable_totals(GramTable *self, PyObject *args) {
    PyObject *text;
    Py_ssize_t start, end;
    if (parse_span(self, args, &text, &start, &end) < 0) {
        return NULL;
    }
    if (self->width == 0) {
        PyErr_SetString(PyExc_ValueError, "this table was built without category columns");
        return NULL;
    }
    double total = 0.0, by_category[MAX_CATEGORIES];
    int width = self->width;
    memcpy(by_category, self->category_bias, sizeof(double) * width);
    next_stamp(self);
    EACH_HIT(self, text, start, end, key, {
        if (self->stamps[key] != self->stamp) {
            self->stamps[key] = self->stamp;
            total += self->weights[key];
            const double *column = self->columns + (size_t)key * width;
            for (int c = 0; c < width; c++) {
                by_category[c] += column[c];
            }
        }
    });
    int best = 0;
    for (int c = 1; c < width; c++) {
        if (by_category[c] > by_category[best]) {
            best = c;
        }
    }
    return Py_BuildValue("(di)", total, best);
}

static PyObject *GramTable_len(GramTable *self, PyObject *Py_UNUSED(ignored)) {
    return PyLong_FromSsize_t(self->count);
}

static PyMethodDef GramTable_methods[] = {
    {"rising", (PyCFunction)GramTable_rising, METH_VARARGS,
     "rising(text, start=0, end=len(text)): the positive weights of the n-grams inside, each time met."},
    {"bound", (PyCFunction)GramTable_bound, METH_VARARGS,
     "bound(text, below, start=0, end=len(text)): rising, plus each weight under `below` once."},
    {"live", (PyCFunction)GramTable_live, METH_VARARGS,
     "live(text, mark, below, floor, shortest, longest): the stretches between marks whose bound reaches floor."},
    {"windows", (PyCFunction)GramTable_windows, METH_VARARGS,
     "windows(marked, folded, sentence_mark, clause_mark, long_sentence, width, shortest, longest, below, floor)."},
    {"totals", (PyCFunction)GramTable_totals, METH_VARARGS,
     "totals(text, start=0, end=len(text)): (the n-grams' weights, each once; the best category's index)."},
    {"size", (PyCFunction)GramTable_len, METH_NOARGS, "The number of keys."},
    {NULL}
};

PyTypeObject GramTableType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "phrasecheck.engine._native.GramTable",
    .tp_basicsize = sizeof(GramTable),
    .tp_itemsize = 0,
    .tp_dealloc = (destructor)GramTable_dealloc,
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_doc = "GramTable(keys, weights, columns=None, category_bias=None): n-grams of up to 16 characters, their weights.",
    .tp_methods = GramTable_methods,
    .tp_init = (initproc)GramTable_init,
    .tp_new = PyType_GenericNew,
};
