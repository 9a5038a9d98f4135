/* KeyAutomaton's layout, shared by its building (_keyscan_build.c) and its scan (_keyscan.c). */
#ifndef PHRASECHECK_KEYSCAN_H
#define PHRASECHECK_KEYSCAN_H

#include <stddef.h>

#include "_native.h"

#define ROOT 0

typedef struct {
    PyObject_HEAD
    uint16_t *classes;      /* class of each BMP code point, 0 for one no key holds */
    int32_t *root;          /* the root's next state per class (ROOT where none) */
    /* while building, by state (breadth first); freed once packed into `cells` */
    int32_t *first_edge;    /* state s's transitions are edges [first_edge[s], first_edge[s + 1]) */
    uint16_t *edge_class;   /* sorted by class within a state */
    int32_t *edge_next;
    int32_t *output;        /* the key ending at a state, or -1 */
    int32_t *key_length;
    /* what the scan reads */
    int32_t *dense;         /* the root's children's transitions, failures resolved: a row of classes each */
    int32_t *cells;         /* the states, each one run (below); root[] then holds their offsets */
    Py_ssize_t state_count;
    int class_count;
    /* A bit per (class, class) two keys' characters in a row make, class_count a row (NULL over
     * MAX_PAIRED classes): after a pair no key holds, the state is the root's child of the second
     * (a state two deep or more would end in it), which the scan then takes without a step. */
    uint64_t *pairs;
    uint8_t *alone;         /* alone[class]: the root's child on it ends a key (a key of one character) */
} KeyAutomaton;

#define MAX_PAIRED 1024

/* Whether some key holds `first` followed by `second`. */
static inline int paired(const KeyAutomaton *self, uint16_t first, uint16_t second) {
    size_t bit = (size_t)first * (size_t)self->class_count + second;
    return (self->pairs[bit >> 6] >> (bit & 63)) & 1;
}

/* A state in `cells`: its failure, its output key (or -1), its output link (or -1), its count of
 * transitions n, its row in `dense` (or -1), then n classes, sorted, and the n next states: one
 * run a state, read in one or two cache lines, where the building arrays lie apart. */
enum { FAIL, OUTPUT, OUTPUT_LINK, EDGES, DENSE, HEADER };

/* The next state (an offset in `cells`) from `state` on `class`, or -1: the scan's step, and the
 * building's while it links the failures (the dense rows come after). */
static inline int32_t next_cell(const KeyAutomaton *self, int32_t state, int32_t class) {
    if (state == ROOT) {
        return self->root[class];
    }
    const int32_t *cell = self->cells + state;
    if (cell[DENSE] >= 0) {
        return self->dense[cell[DENSE] + class];
    }
    int32_t n = cell[EDGES];
    const int32_t *classes = cell + HEADER;
    int32_t low = 0, high = n;
    while (high - low > 4) {
        int32_t middle = (low + high) >> 1;
        if (classes[middle] <= class) {
            low = middle;
        } else {
            high = middle;
        }
    }
    for (int32_t e = low; e < high; e++) {
        if (classes[e] == class) {
            return classes[n + e];
        }
    }
    return -1;
}

/* What a scan calls for each key it finds: 0 to go on, else the scan stops with that answer. */
typedef int (*KeyVisit)(void *context, Py_ssize_t key, Py_ssize_t start, Py_ssize_t end);

/* Visits every key in `text` (a str), by end, the longest first at one end: 0, or the first
 * answer a visit gave that was not 0 (-1 with ValueError for an automaton never initialised). */
int automaton_each(const KeyAutomaton *self, PyObject *text, KeyVisit visit, void *context);
void automaton_free(KeyAutomaton *self);
/* The automaton of `keys` (a list of distinct non-empty str of BMP characters): 0, or -1 with
 * an exception and nothing held. */
int automaton_build(KeyAutomaton *self, PyObject *keys);

#endif
