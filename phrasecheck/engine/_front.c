/* quiet_base: what `Normalizer.front` and `Normalizer.source` give a text with letters or spaces
 * that needs no rewrite, in one call.
 *
 * A third of all messages have a letter, a space or a rare character, and most of those only a
 * spoken pause to mark (「好的 您稍等」) or a run of letters that stays letters (APP, ok): their
 * source is the text with its pauses marked.  Telling so took a dozen regular expressions and
 * calls in Python, a fifth of such a message's check.  This tells it in one pass, and hands back
 * None whenever the Python front has more to do: a line break (soft wraps), a text spaced word
 * by word (hesitations), a rare character (繁体 by word, letters beyond ASCII, placeholders; not a
 * secondary 繁体 form out of the contexts a phrase changes it in), or
 * a run of letters that converts (and is not part of a code, 「/mobile/」 「mate7」) or has not
 * been planned yet (`LatinRuns.any_convert`, which then plans it). */
#include "_native.h"

static inline int is_space(Py_UCS4 c) {
    return c == ' ' || c == '\t' || c == 0x3000;
}

static inline int is_han(Py_UCS4 c) {  /* wrapping._HAN */
    return (c >= 0x3400 && c <= 0x4DBF) || (c >= 0x4E00 && c <= 0x9FFF) || (c >= 0xF900 && c <= 0xFAFF);
}

static inline int is_ascii_letter(Py_UCS4 c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

#define PAUSE_MARK 0xFF0C  /* wrapping._PAUSE_MARK, "，" */

/* Whether `wrapping._spaced_by_word` may say yes: its first test, on the text stripped, rules
 * most texts out; the rest are left to it. */
static int maybe_spaced_by_word(int kind, const void *data, Py_ssize_t length) {
    Py_ssize_t low = 0, high = length, spaces = 0;
    while (low < high && Py_UNICODE_ISSPACE(PyUnicode_READ(kind, data, low))) {
        low++;
    }
    while (high > low && Py_UNICODE_ISSPACE(PyUnicode_READ(kind, data, high - 1))) {
        high--;
    }
    for (Py_ssize_t i = low; i < high; i++) {
        spaces += is_space(PyUnicode_READ(kind, data, i));
    }
    return 2 * (high - low - spaces) < 5 * (spaces + 1);  /* not `len - spaces >= 2.5 * (spaces + 1)` */
}

/* Whether the space at `i` is a spoken pause (`wrapping._SPOKEN_PAUSE`): two Han characters before
 * it and one after the spaces, or one before and two after. */
static int is_pause(int kind, const void *data, Py_ssize_t length, Py_ssize_t i) {
    if (i < 1 || !is_han(PyUnicode_READ(kind, data, i - 1))) {
        return 0;
    }
    Py_ssize_t next = i + 1;
    while (next < length && is_space(PyUnicode_READ(kind, data, next))) {
        next++;
    }
    if (next >= length || !is_han(PyUnicode_READ(kind, data, next))) {
        return 0;
    }
    return (i >= 2 && is_han(PyUnicode_READ(kind, data, i - 2)))
           || (next + 1 < length && is_han(PyUnicode_READ(kind, data, next + 1)));
}

/* Whether each run of two or more ASCII letters stays letters: planned to, or planned to convert
 * but part of a code (`LatinRuns.convert` keeps it then): 1, 0 when one converts or is not
 * planned yet, -1 with an exception. */
static int runs_stay(PyObject *text, int kind, const void *data, Py_ssize_t length, PyObject *plans, const CodeContext *code) {
    for (Py_ssize_t i = 0; i < length;) {
        if (!is_ascii_letter(PyUnicode_READ(kind, data, i))) {
            i++;
            continue;
        }
        Py_ssize_t end = i + 1;
        while (end < length && is_ascii_letter(PyUnicode_READ(kind, data, end))) {
            end++;
        }
        if (end - i >= 2) {
            PyObject *run = PyUnicode_Substring(text, i, end);
            if (run == NULL) {
                return -1;
            }
            PyObject *plan = PyDict_GetItemWithError(plans, run);  /* borrowed */
            Py_DECREF(run);
            if (plan == NULL) {
                return PyErr_Occurred() ? -1 : 0;
            }
            if (plan != Py_None && !is_code(code, kind, data, length, i, end)) {
                return 0;
            }
        }
        i = end;
    }
    return 1;
}

/* Whether the secondary 繁体 form at `i` stands in one of `contexts` (two characters each: 反覆,
 * 覆信), where a phrase may change it: 1, 0 elsewhere (信号覆盖), -1 with an exception. */
static int in_context(PyObject *text, Py_ssize_t length, Py_ssize_t i, PyObject *contexts) {
    for (Py_ssize_t low = i ? i - 1 : i; low <= i && low + 2 <= length; low++) {
        PyObject *pair = PyUnicode_Substring(text, low, low + 2);
        if (pair == NULL) {
            return -1;
        }
        int found = PySet_Contains(contexts, pair);
        Py_DECREF(pair);
        if (found) {
            return found;
        }
    }
    return 0;
}

/* quiet_base(rare, plans, secondary, contexts, code_marks, name_reach, beyond, text): the text with
 * its spoken pauses marked (the text itself when it has none), or None; `rare` is a bit per BMP
 * code point, `plans` the letter runs' plans, `secondary` a bit per secondary 繁体 form (rare too:
 * 覆 瞭 藉), which needs the Python front only in one of `contexts`, a frozenset of two-character
 * strings; `code_marks` and `name_reach` what tells a run that is part of a code (`latin._is_code`);
 * `beyond` the characters beyond the BMP that the fold drops (emoji), which are not rare. */
PyObject *quiet_base(PyObject *Py_UNUSED(module), PyObject *const *args, Py_ssize_t count) {
    if (count != 8 || !PyBytes_Check(args[0]) || PyBytes_GET_SIZE(args[0]) != 0x10000 / 8 || !PyDict_Check(args[1])
        || !PyBytes_Check(args[2]) || PyBytes_GET_SIZE(args[2]) != 0x10000 / 8 || !PyFrozenSet_Check(args[3])
        || !PyUnicode_Check(args[4]) || !PyLong_Check(args[5]) || !PyBytes_Check(args[6])
        || PyBytes_GET_SIZE(args[6]) % sizeof(uint32_t) || !PyUnicode_Check(args[7])) {
        PyErr_SetString(PyExc_TypeError, "quiet_base(rare: bytes of a bit per BMP code point, plans: dict, "
                        "secondary: bytes of a bit per BMP code point, contexts: frozenset, code_marks: str, "
                        "name_reach: int, beyond: bytes of sorted uint32 code points, text: str)");
        return NULL;
    }
    CodeContext code = {args[4], PyLong_AsSsize_t(args[5]), NULL};
    if (code.name_reach < 0) {
        if (!PyErr_Occurred()) {
            PyErr_SetString(PyExc_ValueError, "quiet_base: name_reach must not be negative");
        }
        return NULL;
    }
    PyObject *plans = args[1], *contexts = args[3], *beyond = args[6], *text = args[7];
    const unsigned char *rare = (const unsigned char *)PyBytes_AS_STRING(args[0]);
    const unsigned char *secondary = (const unsigned char *)PyBytes_AS_STRING(args[2]);
    Py_ssize_t length = PyUnicode_GET_LENGTH(text);
    int kind = PyUnicode_KIND(text);
    const void *data = PyUnicode_DATA(text);
    Py_ssize_t pauses = 0, spaces = 0;
    for (Py_ssize_t i = 0; i < length; i++) {
        Py_UCS4 c = PyUnicode_READ(kind, data, i);
        if (c == '\n' || (c >= 0x10000 ? !listed_beyond(beyond, c) : (rare[c >> 3] >> (c & 7)) & 1)) {
            int needed = c < 0x10000 && (secondary[c >> 3] >> (c & 7)) & 1 ? in_context(text, length, i, contexts) : 1;
            if (needed < 0) {
                return NULL;
            }
            if (needed) {
                Py_RETURN_NONE;
            }
        }
        spaces += is_space(c);
    }
    if (spaces && maybe_spaced_by_word(kind, data, length)) {
        Py_RETURN_NONE;
    }
    int stay = runs_stay(text, kind, data, length, plans, &code);
    if (stay <= 0) {
        if (stay < 0) {
            return NULL;
        }
        Py_RETURN_NONE;
    }
    for (Py_ssize_t i = 0; spaces && i < length; i++) {
        pauses += is_space(PyUnicode_READ(kind, data, i)) && is_pause(kind, data, length, i);
    }
    if (pauses == 0) {
        Py_INCREF(text);
        return text;
    }
    PyObject *base = PyUnicode_New(length, PAUSE_MARK > PyUnicode_MAX_CHAR_VALUE(text) ? PAUSE_MARK : PyUnicode_MAX_CHAR_VALUE(text));
    if (base == NULL) {
        return NULL;
    }
    int base_kind = PyUnicode_KIND(base);
    void *base_data = PyUnicode_DATA(base);
    for (Py_ssize_t i = 0; i < length; i++) {
        Py_UCS4 c = PyUnicode_READ(kind, data, i);
        PyUnicode_WRITE(base_kind, base_data, i, is_space(c) && is_pause(kind, data, length, i) ? PAUSE_MARK : c);
    }
    return base;
}

