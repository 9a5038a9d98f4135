/* The engine's compiled parts, one extension module (`hatch_build.py` builds it; each part has a
 * Python fallback giving the same answers):
 *   - GramTable (_gramtable.c): the category model's n-gram sums;
 *   - HitFilter (_hitfilter.c): the first tests of verification on the matcher's hits;
 *   - translate (here): one-to-one character tables.
 */
#include "_native.h"

/* translate(text, table): each character below len(table) replaced by the table's character at
 * its code point, the others kept; what str.translate does with a string table, without a
 * lookup through the object protocol per character (a tenth of the time). */
static PyObject *translate(PyObject *Py_UNUSED(module), PyObject *args) {
    PyObject *text, *table;
    if (!PyArg_ParseTuple(args, "UU", &text, &table)) {
        return NULL;
    }
    Py_ssize_t length = PyUnicode_GET_LENGTH(text), size = PyUnicode_GET_LENGTH(table);
    int kind = PyUnicode_KIND(text), table_kind = PyUnicode_KIND(table);
    const void *data = PyUnicode_DATA(text), *table_data = PyUnicode_DATA(table);
    Py_UCS4 small[256];
    Py_UCS4 *out = length <= 256 ? small : PyMem_Malloc(sizeof(Py_UCS4) * length);
    if (out == NULL) {
        return PyErr_NoMemory();
    }
    for (Py_ssize_t i = 0; i < length; i++) {
        Py_UCS4 c = PyUnicode_READ(kind, data, i);
        out[i] = (Py_ssize_t)c < size ? PyUnicode_READ(table_kind, table_data, c) : c;
    }
    PyObject *result = PyUnicode_FromKindAndData(PyUnicode_4BYTE_KIND, out, length);
    if (out != small) {
        PyMem_Free(out);
    }
    return result;
}

static PyMethodDef functions[] = {
    {"translate", translate, METH_VARARGS,
     "translate(text, table): each character below len(table) mapped through it, the others kept."},
    {NULL}
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT,
    .m_name = "_native",
    .m_doc = "The engine's compiled parts: the category model's n-gram sums, the matcher's first tests, character tables.",
    .m_size = -1,
    .m_methods = functions,
};

PyMODINIT_FUNC PyInit__native(void) {
    if (PyType_Ready(&GramTableType) < 0 || PyType_Ready(&HitFilterType) < 0) {
        return NULL;
    }
    PyObject *m = PyModule_Create(&module);
    if (m == NULL) {
        return NULL;
    }
    Py_INCREF(&GramTableType);
    if (PyModule_AddObject(m, "GramTable", (PyObject *)&GramTableType) < 0) {
        Py_DECREF(&GramTableType);
        Py_DECREF(m);
        return NULL;
    }
    Py_INCREF(&HitFilterType);
    if (PyModule_AddObject(m, "HitFilter", (PyObject *)&HitFilterType) < 0) {
        Py_DECREF(&HitFilterType);
        Py_DECREF(m);
        return NULL;
    }
    return m;
}
