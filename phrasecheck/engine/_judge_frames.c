/* JudgeText's reported speech (`regions.Regions.frames_within`, `reported_end`): the frames that
 * match in the text, their matches in a window less those inside words that report nothing,
 * where what a frame reports ends, and the two tests `judge._first_problem` makes of a candidate
 * with them (`_frame_problem`, and for a model's sentence `_unreported` read again). */
#include "_judge.h"

int judge_matching_frames(JudgeText *self) {
    if (self->reports >= 0) {
        return 0;
    }
    PyObject *all = NULL, *patterns = NULL;
    int listed = judge_listed_patterns(PyTuple_GET_ITEM(self->specs, SPEC_FRAMES), &all, &patterns);
    if (listed < 0) {
        return -1;
    }
    Py_ssize_t count = listed ? PyTuple_GET_SIZE(patterns) : 0, used = 0;
    Py_ssize_t *frames = PyMem_Malloc(sizeof(Py_ssize_t) * (count + 1));
    if (frames == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    for (Py_ssize_t p = 0; p < count; p++) {
        PyObject *matches = judge_live_matches(self, all, PyTuple_GET_ITEM(patterns, p), 0, self->length);
        if (matches == NULL) {
            PyMem_Free(frames);
            return -1;
        }
        if (matches != Py_None && PyList_GET_SIZE(matches)) {
            frames[used++] = p;
        }
        Py_DECREF(matches);
    }
    PyMem_Free(self->frames);
    self->frames = frames;
    self->frame_count = used;
    self->reports = used > 0;
    return 0;
}

/* Regions.frames_within: the matches of the matching frames anchored in [low, high), except those
 * in words that report nothing (looked for a little past `high`, once a frame is met). */
static int frames_within(JudgeText *self, Py_ssize_t low, Py_ssize_t high, Spans *found) {
    PyObject *frames = PyTuple_GET_ITEM(PyTuple_GET_ITEM(self->specs, SPEC_FRAMES), 1);
    Spans inert = {NULL, 0, 0};
    int inert_known = 0, failed = 0;
    for (Py_ssize_t f = 0; !failed && f < self->frame_count; f++) {
        PyObject *matches = judge_search(self, PyTuple_GET_ITEM(frames, self->frames[f]), low, high);
        if (matches == NULL) {
            failed = 1;
            break;
        }
        for (Py_ssize_t m = 0; !failed && m < PyList_GET_SIZE(matches); m++) {
            Py_ssize_t start, end;
            if (judge_span_of(PyList_GET_ITEM(matches, m), &start, &end) < 0
                || (!inert_known && judge_add_matches(self, PyTuple_GET_ITEM(self->specs, SPEC_NOT_REPORTED), low,
                                                high + self->reaches[REACH_INERT], &inert) < 0)) {
                failed = 1;
                break;
            }
            inert_known = 1;
            int reports_nothing = 0;
            for (Py_ssize_t n = 0; !reports_nothing && n < inert.count; n++) {
                Py_ssize_t from = inert.items[n][0], to = inert.items[n][1];
                reports_nothing = (from < end && end <= to) || (from <= start && start < to);
            }
            if (!reports_nothing && judge_add_span(found, start, end) < 0) {
                failed = 1;
            }
        }
        Py_DECREF(matches);
    }
    PyMem_Free(inert.items);
    return failed ? -1 : 0;
}

/* Whether norm[from:to] holds only characters of the words after a speech verb (the 的 of 「跟您说的」). */
static int only_after_speech(const JudgeText *self, Py_ssize_t from, Py_ssize_t to) {
    PyObject *after = PyTuple_GET_ITEM(self->specs, SPEC_AFTER_SPEECH);
    for (Py_ssize_t i = from; i < to; i++) {
        if (PyUnicode_FindChar(after, PyUnicode_READ_CHAR(self->norm, i), 0, PyUnicode_GET_LENGTH(after), 1) < 0) {
            return 0;
        }
    }
    return 1;
}

/* Regions.reported_end: where the words a frame ending at `frame_end` reports end: 0 with *end, or -1. */
static int reported_end(JudgeText *self, Py_ssize_t frame_end, Py_ssize_t *end) {
    Py_ssize_t low, high;
    judge_around(self, frame_end - 1, frame_end, LEVEL_CLAUSE, &low, &high);
    int closes = high == frame_end || only_after_speech(self, frame_end, high);
    if (closes && high < self->length && self->levels[high] < LEVEL_SENTENCE) {
        judge_around(self, high, high + 1, LEVEL_CLAUSE, &low, &high);
    }
    if (self->spaced < 0) {
        PyObject *spaced = PyObject_CallOneArg(PyTuple_GET_ITEM(self->specs, SPEC_WORD_SPACED), self->original);
        if (spaced == NULL || (self->spaced = PyObject_IsTrue(spaced)) < 0) {
            Py_XDECREF(spaced);
            self->spaced = -1;
            return -1;
        }
        Py_DECREF(spaced);
    }
    if (self->spaced && high > frame_end + self->reaches[REACH_SPACED_REPORT]) {
        high = frame_end + self->reaches[REACH_SPACED_REPORT];
    }
    PyObject *ends = PyTuple_GET_ITEM(self->specs, SPEC_REPORT_ENDS);
    if (ends != Py_None) {
        Py_ssize_t sentence_low, sentence_high;
        judge_around(self, frame_end, frame_end + 1, LEVEL_SENTENCE, &sentence_low, &sentence_high);
        Py_ssize_t limit = sentence_high < frame_end + self->reaches[REACH_REPORT_END] ? sentence_high
                                                                                      : frame_end + self->reaches[REACH_REPORT_END];
        Spans back = {NULL, 0, 0};
        if (judge_add_matches(self, ends, frame_end, limit, &back) < 0) {
            PyMem_Free(back.items);
            return -1;
        }
        if (back.count) {  /* max(high, min(their starts)) */
            Py_ssize_t first = back.items[0][0];
            for (Py_ssize_t b = 1; b < back.count; b++) {
                first = back.items[b][0] < first ? back.items[b][0] : first;
            }
            high = first > high ? first : high;
        }
        PyMem_Free(back.items);
    }
    *end = high;
    return 0;
}

int judge_reported(JudgeText *self, Py_ssize_t start) {
    Py_ssize_t reach = PyLong_AsSsize_t(PyTuple_GET_ITEM(self->specs, SPEC_FRAME_REACH));
    if (reach == -1 && PyErr_Occurred()) {
        return -1;
    }
    Py_ssize_t low = start - reach - self->reaches[REACH_FRAME_WINDOW];
    Spans found = {NULL, 0, 0};
    int reported = frames_within(self, low > 0 ? low : 0, start, &found) < 0 ? -1 : 0;
    for (Py_ssize_t f = 0; reported == 0 && f < found.count; f++) {
        Py_ssize_t from = found.items[f][0], to = found.items[f][1], end;
        if (to > start || start - to > reach || judge_crosses(self, from, to, LEVEL_SENTENCE)) {
            continue;  /* not before the hit within the reach, or its words in two sentences */
        }
        reported = reported_end(self, to, &end) < 0 ? -1 : start < end;
    }
    PyMem_Free(found.items);
    return reported;
}

int judge_only_reports(JudgeText *self, Py_ssize_t start, Py_ssize_t end) {
    Spans found = {NULL, 0, 0};
    if (frames_within(self, start, end, &found) < 0) {
        PyMem_Free(found.items);
        return -1;
    }
    Py_ssize_t after = start;
    for (Py_ssize_t f = 0; f < found.count; f++) {
        Py_ssize_t reported;
        if (reported_end(self, found.items[f][1], &reported) < 0) {
            PyMem_Free(found.items);
            return -1;
        }
        after = reported > after ? reported : after;
    }
    Py_ssize_t count = found.count;
    PyMem_Free(found.items);
    if (count == 0) {
        return 0;
    }
    PyObject *rescore = PyTuple_GET_ITEM(self->specs, SPEC_RESCORE);
    if (rescore == Py_None) {
        return 1;
    }
    PyObject *rest = PyUnicode_Substring(self->norm, after < end ? after : end, end);  /* what the sentence says after them */
    PyObject *reaches = rest ? PyObject_CallOneArg(rescore, rest) : NULL;
    Py_XDECREF(rest);
    int reached = reaches ? PyObject_IsTrue(reaches) : -1;
    Py_XDECREF(reaches);
    return reached < 0 ? -1 : !reached;
}
