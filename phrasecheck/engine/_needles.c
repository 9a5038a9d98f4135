/* Whether the sounds of a pattern's other words (its "needles", `engine/hits.py`) lie in a window
 * of a text's phonetic string: the question HitFilter asks of each plausible hit.
 *
 * A group of needles can hold thousands (a word class's sounds beside an anchor), and most of them
 * are nowhere in a short text: a search each scanned the window once per needle.  `hits.py`
 * lists each group sorted, so the needles starting with one character stand together; a long
 * group is then searched position by position of the window, each position looking up by
 * bisection the needles that start with its character.  A short group keeps one search per
 * needle, skipping those whose first or last character the text lacks (`Heard`). */
#include "_native.h"

int needles_of_list(Needles *group, PyObject *items) {
    Py_ssize_t count = PyList_GET_SIZE(items);
    group->firsts = PyMem_Malloc(sizeof(int32_t) * (count ? (size_t)count : 1));
    group->lasts = PyMem_Malloc(sizeof(int32_t) * (count ? (size_t)count : 1));
    if (group->firsts == NULL || group->lasts == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    group->longest = 0;
    for (Py_ssize_t n = 0; n < count; n++) {
        PyObject *needle = PyList_GET_ITEM(items, n);
        Py_ssize_t length = PyUnicode_GET_LENGTH(needle);
        group->firsts[n] = length ? (int32_t)PyUnicode_READ_CHAR(needle, 0) : -1;
        group->lasts[n] = length ? (int32_t)PyUnicode_READ_CHAR(needle, length - 1) : -1;
        if (length > group->longest) {
            group->longest = length;
        }
    }
    Py_INCREF(items);
    group->items = items;
    return 0;
}

void needles_clear(Needles *group) {
    Py_CLEAR(group->items);
    PyMem_Free(group->firsts);
    PyMem_Free(group->lasts);
    group->firsts = group->lasts = NULL;
}

int firsts_sorted(const int32_t *firsts, int32_t first, int32_t last) {
    for (int32_t n = first + 1; last - first > INDEXED_NEEDLES && n < last; n++) {
        if (firsts[n] < firsts[n - 1]) {
            return 0;
        }
    }
    return 1;
}

void heard_from(Heard *heard, PyObject *phon) {
    memset(heard->bits, 0, sizeof heard->bits);
    int kind = PyUnicode_KIND(phon);
    const void *data = PyUnicode_DATA(phon);
    for (Py_ssize_t i = 0, n = PyUnicode_GET_LENGTH(phon); i < n; i++) {
        Py_ssize_t bit = heard_bit(PyUnicode_READ(kind, data, i));
        if (bit >= 0) {
            heard->bits[bit >> 6] |= 1ULL << (bit & 63);
        }
    }
}

/* A long group's answer: every start in the window, then the needles beginning with its character. */
static int indexed(const Needles *group, int32_t first, int32_t last, PyObject *phon, Py_ssize_t low, Py_ssize_t high,
                   int widen_low, int widen_high) {
    Py_ssize_t size = PyUnicode_GET_LENGTH(phon);
    int kind = PyUnicode_KIND(phon);
    const void *data = PyUnicode_DATA(phon);
    Py_ssize_t from = widen_low ? low - group->longest : low;
    Py_ssize_t to = widen_high ? high + 1 : high;  /* a needle may start before this */
    for (Py_ssize_t s = from > 0 ? from : 0; s < to && s < size; s++) {
        int32_t c = (int32_t)PyUnicode_READ(kind, data, s);
        int32_t a = first, b = last;
        while (a < b) {
            int32_t middle = a + (b - a) / 2;
            if (group->firsts[middle] < c) {
                a = middle + 1;
            } else {
                b = middle;
            }
        }
        for (int32_t n = a; n < last && group->firsts[n] == c; n++) {
            PyObject *needle = PyList_GET_ITEM(group->items, n);
            Py_ssize_t length = PyUnicode_GET_LENGTH(needle);
            /* as the search of one needle in phon[low - length or low : high + length or high] */
            if (s < (widen_low ? low - length : low) || s + length > (widen_high ? high + length : high)
                || s + length > size) {
                continue;
            }
            int same = (int)PyUnicode_Tailmatch(phon, needle, s, s + length, -1);
            if (same) {
                return same < 0 ? -1 : 1;
            }
        }
    }
    return 0;
}

int any_needle(const Needles *group, int32_t first, int32_t last, const Heard *heard, PyObject *phon, Py_ssize_t low,
               Py_ssize_t high, int widen_low, int widen_high) {
    if (last - first > INDEXED_NEEDLES && group->firsts[first] >= 0) {
        return indexed(group, first, last, phon, low, high, widen_low, widen_high);
    }
    for (int32_t n = first; n < last; n++) {
        /* the arrays first: most needles are passed over without reading their objects */
        if (group->firsts[n] >= 0
            && (!may_hear(heard, (Py_UCS4)group->firsts[n]) || !may_hear(heard, (Py_UCS4)group->lasts[n]))) {
            continue;
        }
        PyObject *needle = PyList_GET_ITEM(group->items, n);
        Py_ssize_t length = PyUnicode_GET_LENGTH(needle);
        Py_ssize_t from = widen_low ? low - length : low;
        Py_ssize_t at = PyUnicode_Find(phon, needle, from > 0 ? from : 0, widen_high ? high + length : high, 1);
        if (at != -1) {
            return at == -2 ? -1 : 1;
        }
    }
    return 0;
}
