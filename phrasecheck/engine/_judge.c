/* JudgeText: the judge's guards of one folded text that quotes nothing (`judge.judge`): every
 * guard of `judge._first_problem` but the role and quotation — coverage, the `unless` contexts,
 * a `judge.mentions` word, reported speech and word edges — as it and `regions.Regions` test
 * them, without their calls per candidate, per context and per match.
 *
 * JudgeText(specs, original, norm, phon, breaks, rewritten, latin_edges), where `specs`
 * is what `judge.compiled_guards` builds once per checker (by index: `SPEC_*` in _judge.h):
 *   rules[i] = (coverage or None, token boundary, guards of a pattern's hit, guards of a model's),
 *     each guards None or (all live, ((bit, verifier, starts, values, scope, reach), ...)), with
 *     bit the context's presence bit index (-1: always searched) and scope 0 hit, 1 clause,
 *     2 sentence, 3 utterance;
 *   not_excusing, frames, mentions, not_reported and report_ends each None or (all live,
 *     ((bit, verifier, starts, values), ...));
 *   particles a frozenset of code points; word_ends jieba's word ends of a str (`words.word_ends`);
 *   frame_reach; rescore (`JudgeContext.rescore`) or None; word_spaced (`wrapping.word_spaced`);
 *   the reaches of `regions` and `judge` (`REACH_*`); the characters after a speech verb;
 *   presence, (`GramTable.union`, its values) of the contexts' `AnchorPresence`, or None: called
 *   on the text's phon for its presence bits, little-endian bytes (the bit indexes above).
 * `latin_edges` are the positions where a converted Latin run starts or ends.
 * verdict(rule, start, end, last_start, model):
 * whether none of these guards drops the candidate (what `chosen`, in _judge_rank.c, asks of
 * each candidate it ranks; the tests hold it to `judge._first_problem`).  What a guard asks of
 * the whole text (the frames and mentions matching in it, the words that excuse nothing) is
 * found once. */
#include "_judge.h"

static int by_span(const void *a, const void *b) {
    const Py_ssize_t *x = a, *y = b;
    return x[0] != y[0] ? (x[0] < y[0] ? -1 : 1) : (x[1] < y[1] ? -1 : x[1] > y[1]);
}

/* The not_excusing words' matches over the whole text, sorted, and the longest's length
 * (Regions.excuses): 0, or -1. */
static int idle_spans(JudgeText *self, PyObject *spec) {
    if (judge_add_matches(self, spec, 0, self->length, &self->idle) < 0) {
        return -1;
    }
    qsort(self->idle.items, (size_t)self->idle.count, sizeof(Py_ssize_t[2]), by_span);
    for (Py_ssize_t i = 0; i < self->idle.count; i++) {
        Py_ssize_t length = self->idle.items[i][1] - self->idle.items[i][0];
        self->idle_reach = length > self->idle_reach ? length : self->idle_reach;
    }
    self->idle_known = 1;
    return 0;
}

/* Regions.excuses: whether a context's match counts (not inside a longer not_excusing word): 1, 0, or -1. */
static int excuses(JudgeText *self, Py_ssize_t start, Py_ssize_t end) {
    PyObject *spec = PyTuple_GET_ITEM(self->specs, SPEC_NOT_EXCUSING);
    if (spec == Py_None) {
        return 1;
    }
    if (!self->idle_known && idle_spans(self, spec) < 0) {
        return -1;
    }
    Py_ssize_t (*idle)[2] = self->idle.items;
    Py_ssize_t low = 0, high = self->idle.count;  /* bisect_right over the spans' starts */
    while (low < high) {
        Py_ssize_t middle = (low + high) / 2;
        if (start < idle[middle][0]) {
            high = middle;
        } else {
            low = middle + 1;
        }
    }
    for (Py_ssize_t index = low; index > 0 && idle[index - 1][0] >= start - self->idle_reach; index--) {
        const Py_ssize_t *span = idle[index - 1];
        if (end <= span[1] && end - start < span[1] - span[0]) {
            return 0;
        }
    }
    return 1;
}

/* The remembered answer of `first_within` for (context, low, high): its slot. */
static Found *found_slot(JudgeText *self, const void *verifier, Py_ssize_t low, Py_ssize_t high) {
    if (self->found_used * 2 >= self->found_size) {
        Py_ssize_t size = self->found_size ? self->found_size * 2 : 16;
        Found *grown = PyMem_Malloc(sizeof(Found) * size), *old = self->found;
        if (grown == NULL) {
            PyErr_NoMemory();
            return NULL;
        }
        for (Py_ssize_t i = 0; i < size; i++) {
            grown[i].found = -1;
        }
        Py_ssize_t old_size = self->found_size;
        self->found = grown;
        self->found_size = size;
        self->found_used = 0;
        for (Py_ssize_t i = 0; i < old_size; i++) {
            if (old[i].found >= 0) {
                Found *slot = found_slot(self, old[i].verifier, old[i].low, old[i].high);
                *slot = old[i];
                self->found_used++;
            }
        }
        PyMem_Free(old);
    }
    uint64_t h = finish(mix(mix(mix(0xcbf29ce484222325ULL, (Py_UCS4)((uintptr_t)verifier >> 4)), (Py_UCS4)low), (Py_UCS4)high));
    for (size_t i = (size_t)h & (size_t)(self->found_size - 1);; i = (i + 1) & (size_t)(self->found_size - 1)) {
        Found *slot = &self->found[i];
        if (slot->found < 0 || (slot->verifier == verifier && slot->low == low && slot->high == high)) {
            return slot;
        }
    }
}

/* Whether a match of the context anchored in [low, high) lies wholly in it and excuses (`excuses`),
 * and, given the `hit` [start, end), touches it and crosses no clause's edge: 1, 0, or -1. */
static int any_excusing(JudgeText *self, PyObject *pattern, Py_ssize_t low, Py_ssize_t high, const Py_ssize_t *hit) {
    PyObject *matches = judge_search(self, pattern, low, high);
    if (matches == NULL) {
        return -1;
    }
    int found = 0;
    for (Py_ssize_t m = 0; !found && m < PyList_GET_SIZE(matches); m++) {
        Py_ssize_t from, to;
        if (judge_span_of(PyList_GET_ITEM(matches, m), &from, &to) < 0) {
            found = -1;
            break;
        }
        if (low <= from && to <= high
            && (hit == NULL || (from <= hit[1] && to >= hit[0] && !judge_crosses(self, from, to, LEVEL_CLAUSE)))) {
            found = excuses(self, from, to);
        }
    }
    Py_DECREF(matches);
    return found;
}

/* Regions.first_within: whether a match of the context lies wholly in [low, high) and excuses: 1, 0, or -1. */
static int first_within(JudgeText *self, PyObject *pattern, Py_ssize_t low, Py_ssize_t high) {
    const void *verifier = PyTuple_GET_ITEM(pattern, 1);
    Found *slot = found_slot(self, verifier, low, high);
    if (slot == NULL) {
        return -1;
    }
    if (slot->found >= 0) {
        return slot->found;
    }
    int found = any_excusing(self, pattern, low, high, NULL);
    if (found < 0) {
        return -1;
    }
    *slot = (Found){verifier, low, high, found};  /* nothing was added to the table since the lookup */
    self->found_used++;
    return found;
}

/* judge._unless_problem: whether the context excuses the hit [start, end): 1, 0, or -1. */
static int excused(JudgeText *self, PyObject *guard, Py_ssize_t start, Py_ssize_t end) {
    long scope = PyLong_AsLong(PyTuple_GET_ITEM(guard, 4));
    Py_ssize_t reach = PyLong_AsSsize_t(PyTuple_GET_ITEM(guard, 5)), low, high;
    if (PyErr_Occurred()) {
        return -1;
    }
    if (scope == SCOPE_HIT) {  /* touching the hit, within its sentence, across no clause's edge */
        judge_around(self, start, end, LEVEL_SENTENCE, &low, &high);
        low = low > start - self->reaches[REACH_UNLESS_HIT] ? low : start - self->reaches[REACH_UNLESS_HIT];
        high = high < end + self->reaches[REACH_UNLESS_HIT] ? high : end + self->reaches[REACH_UNLESS_HIT];
        const Py_ssize_t hit[2] = {start, end};
        return any_excusing(self, guard, low, high, hit);
    }
    if (scope == SCOPE_UTTERANCE) {
        low = 0;
        high = self->length;
    } else {
        judge_guarded(self, start, end, scope == SCOPE_CLAUSE ? LEVEL_CLAUSE : LEVEL_SENTENCE, reach, &low, &high);
    }
    return first_within(self, guard, low, high);
}

/* Whether a live pattern of `spec` (None or (all live, ((bit, verifier, starts, values), ...)))
 * matches anywhere in the text: 1, 0, or -1. */
static int any_match(JudgeText *self, PyObject *spec) {
    PyObject *all = NULL, *patterns = NULL;
    int listed = judge_listed_patterns(spec, &all, &patterns);
    if (listed <= 0) {
        return listed;
    }
    for (Py_ssize_t p = 0; p < PyTuple_GET_SIZE(patterns); p++) {
        PyObject *matches = judge_live_matches(self, all, PyTuple_GET_ITEM(patterns, p), 0, self->length);
        if (matches == NULL) {
            return -1;
        }
        Py_ssize_t found = matches != Py_None && PyList_GET_SIZE(matches);
        Py_DECREF(matches);
        if (found) {
            return 1;
        }
    }
    return 0;
}

static int ready(const JudgeText *self) {
    if (self->specs == NULL) {
        PyErr_SetString(PyExc_TypeError, "JudgeText was not initialised");
        return 0;
    }
    return 1;
}

/* verdict(rule, start, end, last_start, model) */
static PyObject *JudgeText_verdict(JudgeText *self, PyObject *const *args, Py_ssize_t count) {
    if (count != 5) {
        PyErr_SetString(PyExc_TypeError, "verdict(rule, start, end, last_start, model) takes 5 arguments");
        return NULL;
    }
    Py_ssize_t rule = PyLong_AsSsize_t(args[0]), start = PyLong_AsSsize_t(args[1]), end = PyLong_AsSsize_t(args[2]);
    Py_ssize_t last_start = PyLong_AsSsize_t(args[3]);
    int model = PyObject_IsTrue(args[4]);
    if (PyErr_Occurred() || model < 0) {
        return NULL;
    }
    int kept = judge_verdict(self, rule, start, end, last_start, model);
    return kept < 0 ? NULL : PyBool_FromLong(kept);
}

int judge_verdict(JudgeText *self, Py_ssize_t rule, Py_ssize_t start, Py_ssize_t end, Py_ssize_t last_start, int model) {
    if (!ready(self)) {
        return -1;
    }
    PyObject *rules = PyTuple_GET_ITEM(self->specs, SPEC_RULES);
    if (rule < 0 || rule >= PyTuple_GET_SIZE(rules) || start < 0 || end < start || end > self->length) {
        PyErr_SetString(PyExc_ValueError, "verdict: no such rule, or a span outside the text");
        return -1;
    }
    PyObject *spec = PyTuple_GET_ITEM(rules, rule);  /* (coverage, token, guards, model guards, ...) */
    if (!judge_shaped(spec, 4)) {
        return -1;
    }
    PyObject *coverage = PyTuple_GET_ITEM(spec, 0);
    if (coverage != Py_None) {
        Py_ssize_t low, high;
        judge_around(self, start, end, LEVEL_SENTENCE, &low, &high);
        double share = (double)(end - start) / (double)(high - low > 1 ? high - low : 1);
        if (share < PyFloat_AsDouble(coverage)) {
            return 0;
        }
    }
    PyObject *guards = PyTuple_GET_ITEM(spec, model ? 3 : 2);
    if (guards != Py_None) {
        if (!judge_shaped(guards, 2) || !judge_shaped(PyTuple_GET_ITEM(guards, 1), 0)) {
            return -1;
        }
        PyObject *all = PyTuple_GET_ITEM(guards, 0), *listed_guards = PyTuple_GET_ITEM(guards, 1);
        for (Py_ssize_t g = 0; g < PyTuple_GET_SIZE(listed_guards); g++) {
            PyObject *guard = PyTuple_GET_ITEM(listed_guards, g);
            Py_ssize_t bit = judge_shaped(guard, 6) ? PyLong_AsSsize_t(PyTuple_GET_ITEM(guard, 0)) : -1;
            if (PyErr_Occurred()) {
                return -1;
            }
            if (!judge_live(self, all, bit)) {
                continue;
            }
            int found = excused(self, guard, start, end);
            if (found != 0) {
                return found < 0 ? -1 : 0;
            }
        }
    }
    if (self->mentions < 0 && (self->mentions = any_match(self, PyTuple_GET_ITEM(self->specs, SPEC_MENTIONS))) < 0) {
        self->mentions = -1;
        return -1;
    }
    if (self->mentions) {  /* the message talks about service language */
        return 0;
    }
    if (judge_matching_frames(self) < 0) {
        return -1;
    }
    if (self->reports) {  /* reported speech: a model's sentence that only reports, or a frame before the hit */
        int reported = model ? judge_only_reports(self, start, end) : 0;
        if (reported == 0) {
            reported = judge_reported(self, start);
        }
        if (reported != 0) {
            return reported < 0 ? -1 : 0;
        }
    }
    if (PyObject_IsTrue(PyTuple_GET_ITEM(spec, 1))) {
        int cuts = judge_cuts_word(self, start, end, last_start);
        if (cuts != 0) {
            return cuts < 0 ? -1 : 0;
        }
    }
    return 1;
}

static PyMethodDef JudgeText_methods[] = {
    {"verdict", (PyCFunction)(void (*)(void))JudgeText_verdict, METH_FASTCALL,
     "verdict(rule, start, end, last_start, model): whether the candidate passes every guard but its role and quotation."},
    {"chosen", (PyCFunction)(void (*)(void))JudgeText_chosen, METH_FASTCALL,
     "chosen(candidates, role, drops=None): the candidates judge._judged_by_rank keeps, in the order of their starts; "
     "drops(candidate), where given, answers the quotation guards."},
    {NULL}
};

PyTypeObject JudgeTextType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "phrasecheck.engine._native.JudgeText",
    .tp_doc = "JudgeText(specs, original, norm, phon, breaks, rewritten, latin_edges): the judge's guards of one folded text "
              "that quotes nothing and reports no one's words (judge.compiled_guards builds specs).",
    .tp_basicsize = sizeof(JudgeText),
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_new = PyType_GenericNew,
    .tp_init = (initproc)JudgeText_init,
    .tp_dealloc = (destructor)JudgeText_dealloc,
    .tp_methods = JudgeText_methods,
};
