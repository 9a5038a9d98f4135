/* KeyAutomaton's building: the keys' trie, breadth first, then the runs the scan reads
 * (`_keyscan.c`) and their failure links. */
#include "_keyscan.h"

void automaton_free(KeyAutomaton *self) {
    PyMem_Free(self->classes);
    PyMem_Free(self->root);
    PyMem_Free(self->first_edge);
    PyMem_Free(self->edge_class);
    PyMem_Free(self->edge_next);
    PyMem_Free(self->output);
    PyMem_Free(self->key_length);
    PyMem_Free(self->cells);
    PyMem_Free(self->dense);
    PyMem_Free(self->pairs);
    PyMem_Free(self->alone);
    memset(&self->classes, 0, sizeof(*self) - offsetof(KeyAutomaton, classes));
}

/* The trie while it is built: children as linked lists, the root's as an array. */
typedef struct {
    int32_t *child, *sibling;  /* first child, next sibling */
    uint16_t *class_of;        /* the class leading to a state */
    Py_ssize_t count, room;
} Trie;

static int32_t child_of(const Trie *trie, const int32_t *root, int32_t state, uint16_t class) {
    if (state == ROOT) {
        return root[class] == ROOT ? -1 : root[class];
    }
    for (int32_t c = trie->child[state]; c >= 0; c = trie->sibling[c]) {
        if (trie->class_of[c] == class) {
            return c;
        }
    }
    return -1;
}

/* Room for twice the states: 0, or -1 with MemoryError (what was held stays, to be freed). */
static int grow(Trie *trie) {
    Py_ssize_t room = trie->room ? trie->room * 2 : 1024;
    int32_t *child = PyMem_Realloc(trie->child, sizeof(int32_t) * room);
    if (child != NULL) {
        trie->child = child;
    }
    int32_t *sibling = PyMem_Realloc(trie->sibling, sizeof(int32_t) * room);
    if (sibling != NULL) {
        trie->sibling = sibling;
    }
    uint16_t *class_of = PyMem_Realloc(trie->class_of, sizeof(uint16_t) * room);
    if (class_of != NULL) {
        trie->class_of = class_of;
    }
    if (child == NULL || sibling == NULL || class_of == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    trie->room = room;
    return 0;
}

/* (class, child) pairs, by class. */
static int by_class(const void *a, const void *b) {
    const uint32_t *x = a, *y = b;
    return x[0] < y[0] ? -1 : x[0] > y[0];
}

/* The trie's states in breadth-first order, their transitions sorted: failure links need a state's
 * parents' first, and a state's transitions are then one sorted run. */
static int build(KeyAutomaton *self, PyObject *keys) {
    Py_ssize_t count = PyList_GET_SIZE(keys);
    int result = -1;
    Trie trie = {0};
    int32_t *order = NULL, *renumbered = NULL, *outputs = NULL;  /* outputs: the key ending at each trie state */
    uint32_t *pairs = NULL;
    self->classes = PyMem_Calloc(0x10000, sizeof(uint16_t));
    self->key_length = PyMem_Malloc(sizeof(int32_t) * (count ? count : 1));
    if (!self->classes || !self->key_length) {
        PyErr_NoMemory();
        goto done;
    }
    int classes = 1;
    for (Py_ssize_t k = 0; k < count; k++) {
        PyObject *key = PyList_GET_ITEM(keys, k);
        if (!PyUnicode_Check(key) || PyUnicode_GET_LENGTH(key) == 0) {
            PyErr_SetString(PyExc_ValueError, "keys must be non-empty str");
            goto done;
        }
        Py_ssize_t length = PyUnicode_GET_LENGTH(key);
        int kind = PyUnicode_KIND(key);
        const void *data = PyUnicode_DATA(key);
        for (Py_ssize_t i = 0; i < length; i++) {
            Py_UCS4 c = PyUnicode_READ(kind, data, i);
            if (c > 0xFFFF) {
                PyErr_SetString(PyExc_ValueError, "keys must hold characters of the BMP only");
                goto done;
            }
            if (self->classes[c] == 0) {
                if (classes == 0xFFFF) {
                    PyErr_SetString(PyExc_ValueError, "keys hold too many distinct characters");
                    goto done;
                }
                self->classes[c] = (uint16_t)classes++;
            }
        }
        if (length > INT32_MAX) {
            PyErr_SetString(PyExc_ValueError, "a key is too long");
            goto done;
        }
        self->key_length[k] = (int32_t)length;
    }
    self->class_count = classes;
    self->root = PyMem_Calloc(classes, sizeof(int32_t));
    if (self->root == NULL) {
        PyErr_NoMemory();
        goto done;
    }
    if (grow(&trie) < 0) {
        goto done;
    }
    trie.count = 1;
    trie.child[ROOT] = trie.sibling[ROOT] = -1;
    trie.class_of[ROOT] = 0;
    Py_ssize_t output_room = 1024;
    outputs = PyMem_Malloc(sizeof(int32_t) * output_room);
    if (!outputs) {
        PyErr_NoMemory();
        goto done;
    }
    outputs[ROOT] = -1;
    for (Py_ssize_t k = 0; k < count; k++) {
        PyObject *key = PyList_GET_ITEM(keys, k);
        int kind = PyUnicode_KIND(key);
        const void *data = PyUnicode_DATA(key);
        int32_t state = ROOT;
        for (Py_ssize_t i = 0; i < PyUnicode_GET_LENGTH(key); i++) {
            uint16_t class = self->classes[PyUnicode_READ(kind, data, i)];
            int32_t next = child_of(&trie, self->root, state, class);
            if (next < 0) {
                if (trie.count == trie.room && grow(&trie) < 0) {
                    goto done;
                }
                if (trie.count >= output_room) {
                    int32_t *more = PyMem_Realloc(outputs, sizeof(int32_t) * trie.room);
                    if (!more) {
                        PyErr_NoMemory();
                        goto done;
                    }
                    outputs = more;
                    output_room = trie.room;
                }
                if (trie.count >= INT32_MAX) {
                    PyErr_SetString(PyExc_ValueError, "too many keys");
                    goto done;
                }
                next = (int32_t)trie.count++;
                trie.child[next] = -1;
                trie.class_of[next] = class;
                outputs[next] = -1;
                if (state == ROOT) {
                    trie.sibling[next] = -1;
                    self->root[class] = next;
                } else {
                    trie.sibling[next] = trie.child[state];
                    trie.child[state] = next;
                }
            }
            state = next;
        }
        if (outputs[state] >= 0) {
            PyErr_SetString(PyExc_ValueError, "keys must be distinct");
            goto done;
        }
        outputs[state] = (int32_t)k;
    }
    /* Breadth-first order: the root, its children by class, then each level's children. */
    Py_ssize_t states = trie.count;
    order = PyMem_Malloc(sizeof(int32_t) * states);
    renumbered = PyMem_Malloc(sizeof(int32_t) * states);
    pairs = PyMem_Malloc(sizeof(uint32_t) * 2 * (classes > 1 ? classes : 2));
    self->first_edge = PyMem_Malloc(sizeof(int32_t) * (states + 1));
    self->edge_class = PyMem_Malloc(sizeof(uint16_t) * states);
    self->edge_next = PyMem_Malloc(sizeof(int32_t) * states);
    self->output = PyMem_Malloc(sizeof(int32_t) * states);
    if (!order || !renumbered || !pairs || !self->first_edge || !self->edge_class || !self->edge_next || !self->output) {
        PyErr_NoMemory();
        goto done;
    }
    Py_ssize_t head = 0, tail = 0, edges = 0;
    order[tail++] = ROOT;
    renumbered[ROOT] = ROOT;
    while (head < tail) {
        int32_t old = order[head];
        int32_t state = (int32_t)head++;  /* its new number */
        self->output[state] = outputs[old];
        self->first_edge[state] = (int32_t)edges;
        Py_ssize_t children = 0;
        if (old == ROOT) {
            for (int c = 1; c < classes; c++) {
                if (self->root[c] != ROOT) {
                    pairs[2 * children] = (uint32_t)c;
                    pairs[2 * children + 1] = (uint32_t)self->root[c];
                    children++;
                }
            }
        } else {
            for (int32_t c = trie.child[old]; c >= 0; c = trie.sibling[c]) {
                pairs[2 * children] = trie.class_of[c];
                pairs[2 * children + 1] = (uint32_t)c;
                children++;
            }
            qsort(pairs, (size_t)children, 2 * sizeof(uint32_t), by_class);
        }
        for (Py_ssize_t i = 0; i < children; i++) {
            int32_t child = (int32_t)pairs[2 * i + 1];
            renumbered[child] = (int32_t)tail;
            order[tail++] = child;
            if (old != ROOT) {
                self->edge_class[edges] = (uint16_t)pairs[2 * i];
                self->edge_next[edges] = renumbered[child];
                edges++;
            }
        }
    }
    self->first_edge[states] = (int32_t)edges;
    for (int c = 1; c < classes; c++) {
        self->root[c] = self->root[c] == ROOT ? ROOT : renumbered[self->root[c]];
    }
    self->state_count = states;
    result = 0;
done:
    PyMem_Free(trie.child);
    PyMem_Free(trie.sibling);
    PyMem_Free(trie.class_of);
    PyMem_Free(order);
    PyMem_Free(renumbered);
    PyMem_Free(outputs);
    PyMem_Free(pairs);
    if (result < 0) {
        automaton_free(self);
    }
    return result;
}

/* The built states as `cells`, the root's array then holding their offsets; the building arrays
 * are freed. */
/* Failure and output links over the packed states, whose offsets grow breadth first: a state
 * fails where its parent's failure chain first steps on its class (`next_cell`, through
 * shallower states already linked); the root's children fail to the root. */
static void link_failures(KeyAutomaton *self, Py_ssize_t size) {
    int32_t *cells = self->cells;
    for (Py_ssize_t state = 0; state < size;) {
        int32_t *cell = cells + state, n = cell[EDGES];
        for (int32_t e = 0; e < n; e++) {
            int32_t class = cell[HEADER + e], child = cell[HEADER + n + e], chain = cell[FAIL], next;
            while ((next = next_cell(self, chain, class)) < 0) {
                chain = cells[chain + FAIL];
            }
            cells[child + FAIL] = next;
            cells[child + OUTPUT_LINK] = cells[next + OUTPUT] >= 0 ? next : cells[next + OUTPUT_LINK];
        }
        state += HEADER + 2 * n;
    }
}

static int pack(KeyAutomaton *self) {
    Py_ssize_t states = self->state_count, size = 0;
    int32_t *offset = PyMem_Malloc(sizeof(int32_t) * (states ? states : 1));
    if (offset == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    for (Py_ssize_t s = 0; s < states; s++) {
        offset[s] = (int32_t)size;
        size += HEADER + 2 * (self->first_edge[s + 1] - self->first_edge[s]);
        if (size > INT32_MAX) {
            PyMem_Free(offset);
            PyErr_SetString(PyExc_ValueError, "too many keys");
            return -1;
        }
    }
    self->cells = PyMem_Malloc(sizeof(int32_t) * (size ? size : 1));
    if (self->cells == NULL) {
        PyMem_Free(offset);
        PyErr_NoMemory();
        return -1;
    }
    for (Py_ssize_t s = 0; s < states; s++) {
        int32_t *cell = self->cells + offset[s];
        int32_t first = self->first_edge[s], n = self->first_edge[s + 1] - first;
        cell[FAIL] = ROOT;  /* the root's; the others' are linked below */
        cell[OUTPUT] = self->output[s];
        cell[OUTPUT_LINK] = -1;
        cell[EDGES] = n;
        cell[DENSE] = -1;
        for (int32_t e = 0; e < n; e++) {
            cell[HEADER + e] = self->edge_class[first + e];
            cell[HEADER + n + e] = offset[self->edge_next[first + e]];
        }
    }
    for (int c = 1; c < self->class_count; c++) {
        self->root[c] = offset[self->root[c]];
    }
    PyMem_Free(offset);
    link_failures(self, size);
    /* The root's children, a tenth of the steps' states, step by one read: where a child has no
     * transition its failure, the root, has one (or stays). */
    Py_ssize_t children = 0, width = self->class_count;
    for (int c = 1; c < width; c++) {
        children += self->root[c] != ROOT;
    }
    self->dense = PyMem_Malloc(sizeof(int32_t) * (children * width + 1));
    if (self->dense == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    Py_ssize_t row = 0;
    for (int c = 1; c < width; c++) {
        if (self->root[c] == ROOT) {
            continue;
        }
        int32_t *cell = self->cells + self->root[c], *dense = self->dense + row * width;
        memcpy(dense, self->root, sizeof(int32_t) * width);
        for (int32_t e = 0; e < cell[EDGES]; e++) {
            dense[cell[HEADER + e]] = cell[HEADER + cell[EDGES] + e];
        }
        cell[DENSE] = (int32_t)(row++ * width);
    }
    int32_t **building[] = {&self->first_edge, &self->edge_next, &self->output};
    for (size_t i = 0; i < sizeof(building) / sizeof(building[0]); i++) {
        PyMem_Free(*building[i]);
        *building[i] = NULL;
    }
    PyMem_Free(self->edge_class);
    self->edge_class = NULL;
    return 0;
}

/* The pairs of classes the keys hold in a row, and the classes whose root's child ends a key
 * (after `pack`: the root's array holds cell offsets).  Without room for them (or over
 * MAX_PAIRED classes) the scan steps at every character, as it would anyway. */
static void pair_classes(KeyAutomaton *self, PyObject *keys) {
    int classes = self->class_count;
    if (classes > MAX_PAIRED) {
        return;
    }
    self->pairs = PyMem_Calloc(((size_t)classes * classes + 63) / 64, sizeof(uint64_t));
    self->alone = PyMem_Calloc((size_t)classes, 1);
    if (self->pairs == NULL || self->alone == NULL) {
        PyMem_Free(self->pairs);
        PyMem_Free(self->alone);
        self->pairs = NULL;
        self->alone = NULL;
        return;
    }
    for (Py_ssize_t k = 0; k < PyList_GET_SIZE(keys); k++) {
        PyObject *key = PyList_GET_ITEM(keys, k);
        int kind = PyUnicode_KIND(key);
        const void *data = PyUnicode_DATA(key);
        for (Py_ssize_t i = 1; i < PyUnicode_GET_LENGTH(key); i++) {
            size_t bit = (size_t)self->classes[PyUnicode_READ(kind, data, i - 1)] * classes
                         + self->classes[PyUnicode_READ(kind, data, i)];
            self->pairs[bit >> 6] |= 1ULL << (bit & 63);
        }
    }
    for (int c = 1; c < classes; c++) {
        self->alone[c] = self->root[c] != ROOT && self->cells[self->root[c] + OUTPUT] >= 0;
    }
}

int automaton_build(KeyAutomaton *self, PyObject *keys) {
    if (build(self, keys) < 0 || pack(self) < 0) {
        automaton_free(self);
        return -1;
    }
    pair_classes(self, keys);
    return 0;
}
