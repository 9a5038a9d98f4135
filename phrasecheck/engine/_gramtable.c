/* GramTable: the category model's n-grams looked up by hashing each substring of their lengths.
 *
 * Every checked text is bounded by the model (classify.CategoryModel): the sum of the positive
 * weights of the n-grams it holds, then per sentence and per window of a long call.  In Python
 * that was an Aho-Corasick scan returning a list of hits per text and list comprehensions over
 * them, a third of the time of a clean message.  Here one pass over the text's characters sums
 * them: the model's n-grams have a few lengths (2 and 3 for the shipped models), so each end
 * position costs one probe per length (keys packed whole in an integer, `_gramtable.h`).
 * This file builds the table; `_gramsums.c` reads texts through it.
 *
 * Hits are visited in the order the scan gave them (by end, the longest first at one end), so
 * `totals` sums the n-grams' weights in the order `CategoryModel` summed them in Python.
 */
#include "_gramtable.h"

static void table_free(GramTable *self) {
    PyMem_Free(self->chars);
    PyMem_Free(self->offsets);
    PyMem_Free(self->lengths);
    PyMem_Free(self->weights);
    PyMem_Free(self->columns);
    PyMem_Free(self->category_bias);
    PyMem_Free(self->slots);
    PyMem_Free(self->packed);
    PyMem_Free(self->slot_keys);
    PyMem_Free(self->filter);
    PyMem_Free(self->bound_filter);
    PyMem_Free(self->union_words);
    Py_CLEAR(self->union_values);
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
    self->slot_keys = NULL;
    self->filter = NULL;
    self->bound_filter = NULL;
    self->union_words = NULL;
    self->union_width = 0;
    self->stamps = NULL;
}

static void GramTable_dealloc(GramTable *self) {
    table_free(self);
    Py_TYPE(self)->tp_free((PyObject *)self);
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
    self->stamps = PyMem_Calloc(capacity, sizeof(uint32_t));  /* a stamp per key or per slot */
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
        self->slot_keys = PyMem_Malloc(sizeof(int32_t) * capacity);
        self->filter_bits = 6;  /* one word at least */
        while (self->filter_bits < FILTER_BITS && ((size_t)1 << self->filter_bits) < ((size_t)count << FILTER_BITS_PER_KEY_LOG)) {
            self->filter_bits++;
        }
        self->filter = PyMem_Calloc(((size_t)1 << self->filter_bits) / 64, sizeof(uint64_t));
        if (self->packed == NULL || self->slot_keys == NULL || self->filter == NULL) {
            PyErr_NoMemory();
            goto done;
        }
        for (size_t slot = 0; slot < capacity; slot++) {
            self->packed[slot].packed = 0;
            self->packed[slot].weight = 0.0;
            self->slot_keys[slot] = -1;
        }
        for (Py_ssize_t i = 0; i < count; i++) {
            uint64_t characters = 0;
            for (int c = 0; c < self->lengths[i]; c++) {
                characters = (characters << 16) | self->chars[self->offsets[i] + c];
            }
            uint64_t packed = packed_key(self->lengths[i], characters);
            uint64_t h = packed * 0x9E3779B97F4A7C15ULL;
            size_t slot = (size_t)(h ^ (h >> 29)) & self->mask;
            while (self->slot_keys[slot] >= 0) {
                slot = (slot + 1) & self->mask;
            }
            self->packed[slot].packed = packed;
            self->packed[slot].weight = self->weights[i];
            self->slot_keys[slot] = (int32_t)i;
            uint64_t bit = h >> (64 - self->filter_bits);
            self->filter[bit >> 6] |= 1ULL << (bit & 63);
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
int clip(GramTable *self, PyObject *text, Py_ssize_t *start, Py_ssize_t *end) {
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
int parse_span(GramTable *self, PyObject *args, PyObject **text, Py_ssize_t *start, Py_ssize_t *end) {
    *start = 0;
    *end = PY_SSIZE_T_MAX;
    if (!PyArg_ParseTuple(args, "U|nn", text, start, end)) {
        return -1;
    }
    return clip(self, *text, start, end);
}

void next_stamp(GramTable *self) {
    if (++self->stamp == 0) {
        memset(self->stamps, 0, sizeof(uint32_t) * (self->mask + 1));
        self->stamp = 1;
    }
}

/* The filter of the packed keys a bound reads, those weighing more than 0 or under `below`: a
 * text's n-grams are most often the model's, half of them weighing too little either way to move
 * a bound, whose reads of the table (2 MiB, a miss of the cache each) the bounds then skip.  Built
 * for the first `below` asked (a model asks one); the table's own filter where memory is short. */
const uint64_t *bound_filter(GramTable *self, double below) {
    if (self->bound_filter != NULL && self->bound_below == below) {
        return self->bound_filter;
    }
    if (self->packed == NULL) {
        return self->filter;  /* unread: the lookups hash whole keys */
    }
    uint64_t *filter = PyMem_Calloc(((size_t)1 << self->filter_bits) / 64, sizeof(uint64_t));
    if (filter == NULL) {
        return self->filter;  /* every key's bit: the same sums */
    }
    for (size_t slot = 0; slot <= self->mask; slot++) {
        const PackedSlot *found = &self->packed[slot];
        if (found->packed != 0 && (found->weight > 0 || found->weight < below)) {
            uint64_t bit = (found->packed * 0x9E3779B97F4A7C15ULL) >> (64 - self->filter_bits);
            filter[bit >> 6] |= 1ULL << (bit & 63);
        }
    }
    PyMem_Free(self->bound_filter);
    self->bound_filter = filter;
    self->bound_below = below;
    return filter;
}

static PyMethodDef GramTable_methods[] = {
    {"rising", (PyCFunction)GramTable_rising, METH_VARARGS,
     "rising(text, start=0, end=len(text)): the positive weights of the n-grams inside, each time met."},
    {"bound", (PyCFunction)GramTable_bound, METH_VARARGS,
     "bound(text, below, start=0, end=len(text)): rising, plus each weight under `below` once."},
    {"live", (PyCFunction)(void (*)(void))GramTable_live, METH_FASTCALL,
     "live(text, mark, below, floor, shortest, longest): the stretches between marks whose bound reaches floor."},
    {"windows", (PyCFunction)(void (*)(void))GramTable_windows, METH_FASTCALL,
     "windows(marked, folded, sentence_mark, clause_mark, long_sentence, width, shortest, longest, below, floor)."},
    {"total", (PyCFunction)GramTable_total, METH_VARARGS,
     "total(text, start=0, end=len(text)): the n-grams' weights, each once (no category read)."},
    {"totals", (PyCFunction)GramTable_totals, METH_VARARGS,
     "totals(text, start=0, end=len(text)): (the n-grams' weights, each once; the best category's index)."},
    {"scored", (PyCFunction)GramTable_scored, METH_VARARGS,
     "scored(text, spans, bias, threshold): (start, end, probability, category) of each span scoring threshold."},
    {"candidates", (PyCFunction)(void (*)(void))GramTable_candidates, METH_FASTCALL,
     "candidates(make, rule_of, match_type, digits, bias, threshold, window_threshold, folded, live, windows): "
     "make(rule, start, end, spans, match_type, confidence) of each span of live, then of windows, that scores."},
    {"union", (PyCFunction)GramTable_union, METH_VARARGS,
     "union(text, values, as_bytes=False): the bitwise or of values[key] over the keys the text holds, each once "
     "(or its little-endian bytes)."},
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
