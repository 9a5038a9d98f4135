/* GramTable's layout and its lookups, shared by the table (_gramtable.c) and its sums and scores
 * (_gramsums.c). */
#ifndef PHRASECHECK_GRAMTABLE_H
#define PHRASECHECK_GRAMTABLE_H

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

/* A bit per hash of a packed key, set for every key: a probe whose bit is clear is no key, and
 * needs no read of the table (64 KiB, where the table of a model's 64,000 n-grams is 2 MiB: most
 * of a text's n-grams are none, and the bits stay in the cache between texts).  Sixteen bits a
 * key, at most 2^FILTER_BITS: the table of a context pattern's few anchor keys (there are two
 * hundred such tables) takes a few words, not 64 KiB. */
#define FILTER_BITS 19
#define FILTER_BITS_PER_KEY_LOG 4

/* A packed key's slot holds its weight, which the bounds read at every hit: the slot is then the
 * one read of the table a hit costs (the key's index, which the scores and unions need, lies apart). */
typedef struct {
    uint64_t packed;       /* the key itself, or 0 for an empty slot */
    double weight;         /* the key's weight */
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
    int32_t *slot_keys;    /* with `packed`: the key index in each packed slot, -1 where empty */
    uint64_t *filter;      /* with `packed`: filter_bits of the packed keys' hashes */
    uint64_t *bound_filter; /* the same of the keys a bound reads (`bound_filter`), built on the first bound */
    double bound_below;    /* the `below` it was built for */
    int filter_bits;
    size_t mask;
    int length_count;
    int by_length[MAX_LENGTH];  /* the keys' distinct lengths, longest first */
    PyObject *union_values; /* the values `union` last read, held, and them as words: */
    uint64_t *union_words; /* union_width words a key, the lowest first */
    Py_ssize_t union_width;
    uint32_t *stamps;      /* stamps[i] == stamp: key (or packed slot, `EACH_WEIGHT`) i already met in this call */
    uint32_t stamp;
} GramTable;

static inline uint64_t packed_key(int length, uint64_t characters) {
    return ((uint64_t)length << 48) | (characters & ((1ULL << (16 * length)) - 1));
}

/* The slot of a packed key, or -1 (also where `filter`, the table's or its bound filter, has no
 * bit for it). */
static inline Py_ssize_t packed_lookup(const GramTable *self, const uint64_t *filter, uint64_t packed) {
    uint64_t h = packed * 0x9E3779B97F4A7C15ULL;
    uint64_t bit = h >> (64 - self->filter_bits);
    if (!((filter[bit >> 6] >> (bit & 63)) & 1)) {
        return -1;
    }
    size_t slot = (size_t)(h ^ (h >> 29)) & self->mask;
    for (;;) {
        const PackedSlot *found = &self->packed[slot];
        if (found->packed == packed) {
            return (Py_ssize_t)slot;
        }
        if (found->packed == 0) {
            return -1;
        }
        slot = (slot + 1) & self->mask;
    }
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

/* Every hit lying wholly inside [start, end), in scan order (by end, the longest first), runs
 * `body` with `found` set to its packed slot (`packed`) or its key, `hit_end_` to where it ends
 * and `l_` to its length's place in by_length: packed keys over a rolling window of the last
 * characters read, or one hash of each substring of the keys' lengths. */
#define EACH_FOUND_IN(self, filter, text, start, end, found, body)                            \
    do {                                                                                      \
        int kind_ = PyUnicode_KIND(text);                                                     \
        const void *data_ = PyUnicode_DATA(text);                                             \
        if ((self)->packed != NULL) {                                                         \
            const uint64_t *filter_ = (filter); /* read once */                               \
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
                Py_ssize_t hit_end_ = at_ + 1; /* where the hits found next end */            \
                (void)hit_end_;                                                               \
                for (int l_ = 0; l_ < (self)->length_count; l_++) {                           \
                    int length_ = (self)->by_length[l_];                                      \
                    if (plain_ < length_) {                                                   \
                        continue;                                                             \
                    }                                                                         \
                    Py_ssize_t found = packed_lookup((self), filter_, packed_key(length_, window_));   \
                    if (found >= 0) {                                                         \
                        const int packed_ = 1;                                                \
                        body                                                                  \
                    }                                                                         \
                }                                                                             \
            }                                                                                 \
        } else {                                                                              \
            for (Py_ssize_t stop_ = (start) + 1; stop_ <= (end); stop_++) {                   \
                Py_ssize_t hit_end_ = stop_;                                                  \
                (void)hit_end_;                                                               \
                for (int l_ = 0; l_ < (self)->length_count; l_++) {                           \
                    int length_ = (self)->by_length[l_];                                      \
                    if (stop_ - length_ < (start)) {                                          \
                        continue;                                                             \
                    }                                                                         \
                    Py_ssize_t found = lookup((self), kind_, data_, stop_ - length_, length_); \
                    if (found >= 0) {                                                         \
                        const int packed_ = 0;                                                \
                        body                                                                  \
                    }                                                                         \
                }                                                                             \
            }                                                                                 \
        }                                                                                     \
    } while (0)

#define EACH_FOUND(self, text, start, end, found, body) EACH_FOUND_IN(self, (self)->filter, text, start, end, found, body)

/* Each hit, as `EACH_FOUND`, with `key` set to its key index. */
#define EACH_HIT(self, text, start, end, key, body)                                           \
    EACH_FOUND(self, text, start, end, found_, {                                              \
        int32_t key = packed_ ? (self)->slot_keys[found_] : (int32_t)found_;                  \
        body                                                                                  \
    })

/* Each hit, as `EACH_FOUND`, with `weight` set to its key's weight and `mark` to where its stamp
 * is kept (its slot, or its key): what a bound reads, in one read of the table. */
#define EACH_WEIGHT(self, text, start, end, weight_name, mark, body)                          \
    EACH_WEIGHT_IN(self, (self)->filter, text, start, end, weight_name, mark, body)
#define EACH_WEIGHT_IN(self, filter, text, start, end, weight_name, mark, body)               \
    EACH_FOUND_IN(self, filter, text, start, end, mark, {                                     \
        double weight_name = packed_ ? (self)->packed[mark].weight : (self)->weights[mark];   \
        body                                                                                  \
    })

/* Each hit a bound reads, as `EACH_WEIGHT`: a packed key whose weight is positive or under
 * `below` (the rest add nothing to a bound), where the others skip their read of the table. */
#define EACH_BOUND_WEIGHT(self, below, text, start, end, weight_name, mark, body)             \
    EACH_WEIGHT_IN(self, bound_filter(self, below), text, start, end, weight_name, mark, body)

int clip(GramTable *self, PyObject *text, Py_ssize_t *start, Py_ssize_t *end);
int parse_span(GramTable *self, PyObject *args, PyObject **text, Py_ssize_t *start, Py_ssize_t *end);
void next_stamp(GramTable *self);
const uint64_t *bound_filter(GramTable *self, double below);

PyObject *GramTable_rising(GramTable *self, PyObject *args);
PyObject *GramTable_bound(GramTable *self, PyObject *args);
PyObject *GramTable_live(GramTable *self, PyObject *const *args, Py_ssize_t count);
PyObject *GramTable_windows(GramTable *self, PyObject *const *args, Py_ssize_t count);
PyObject *GramTable_total(GramTable *self, PyObject *args);
PyObject *GramTable_totals(GramTable *self, PyObject *args);
PyObject *GramTable_scored(GramTable *self, PyObject *args);
PyObject *GramTable_candidates(GramTable *self, PyObject *const *args, Py_ssize_t count);
PyObject *GramTable_union(GramTable *self, PyObject *args);

#endif
