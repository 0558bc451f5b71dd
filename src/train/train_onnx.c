/* train_onnx: builds the ONNX graph the header describes, message by message, with
 * train_protobuf's writer. Field numbers are onnx.proto3's (onnx 1.12). */
#include "config.h"
#include "train_onnx.h"

#include <gio/gio.h>
#include <glib/gi18n.h>
#include <string.h>

#include "nn_model.h"
#include "train_fields.h"
#include "train_format.h"
#include "train_protobuf.h"

#define ONNX_IR_VERSION 7
#define ONNX_OPSET 13

/* onnx.proto field numbers and enums used below. */
enum { MODEL_IR_VERSION = 1, MODEL_PRODUCER_NAME = 2, MODEL_PRODUCER_VERSION = 3,
       MODEL_DOC_STRING = 6, MODEL_GRAPH = 7, MODEL_OPSET_IMPORT = 8, MODEL_METADATA = 14 };
enum { GRAPH_NODE = 1, GRAPH_NAME = 2, GRAPH_INITIALIZER = 5, GRAPH_DOC_STRING = 10,
       GRAPH_INPUT = 11, GRAPH_OUTPUT = 12 };
enum { NODE_INPUT = 1, NODE_OUTPUT = 2, NODE_NAME = 3, NODE_OP_TYPE = 4, NODE_ATTRIBUTE = 5 };
enum { ATTR_NAME = 1, ATTR_I = 3, ATTR_INTS = 8, ATTR_TYPE = 20 };
enum { ATTR_TYPE_INT = 2, ATTR_TYPE_INTS = 7 };
enum { TENSOR_DIMS = 1, TENSOR_DATA_TYPE = 2, TENSOR_NAME = 8, TENSOR_RAW_DATA = 9 };
enum { ELEM_FLOAT = 1 };

/* One attribute: an int when n < 0, else a list of n ints. */
typedef struct {
    const char *name;
    gint64 values[4];
    int n;
} Attr;

typedef struct {
    GByteArray *graph;
    int n_nodes;
    char current[32];    /* the name of the tensor the last node produced */
    const char *output;  /* the next node's output name, when not the generated one */
} Graph;

static void
add_node(Graph *g, const char *op, const char *const *inputs, int n_inputs, const Attr *attrs,
         int n_attrs)
{
    g_autoptr(GByteArray) node = g_byte_array_new();
    char output[32];

    g_snprintf(output, sizeof output, "%s_%d", op, ++g->n_nodes);
    if (g->output)
        g_strlcpy(output, g->output, sizeof output);
    for (int i = 0; i < n_inputs; i++)
        train_pb_put_string(node, NODE_INPUT, inputs[i] ? inputs[i] : g->current);
    train_pb_put_string(node, NODE_OUTPUT, output);
    train_pb_put_string(node, NODE_NAME, output);
    train_pb_put_string(node, NODE_OP_TYPE, op);
    for (int a = 0; a < n_attrs; a++) {
        g_autoptr(GByteArray) attr = g_byte_array_new();
        train_pb_put_string(attr, ATTR_NAME, attrs[a].name);
        if (attrs[a].n < 0) {
            train_pb_put_int(attr, ATTR_I, attrs[a].values[0]);
            train_pb_put_int(attr, ATTR_TYPE, ATTR_TYPE_INT);
        } else {
            for (int k = 0; k < attrs[a].n; k++)
                train_pb_put_int(attr, ATTR_INTS, attrs[a].values[k]);
            train_pb_put_int(attr, ATTR_TYPE, ATTR_TYPE_INTS);
        }
        train_pb_put_message(node, NODE_ATTRIBUTE, attr);
    }
    train_pb_put_message(g->graph, GRAPH_NODE, node);
    g_strlcpy(g->current, output, sizeof g->current);
}

/* A node whose one input is the previous node's output. */
static void
add_unary(Graph *g, const char *op, const Attr *attrs, int n_attrs)
{
    const char *inputs[] = { NULL };
    add_node(g, op, inputs, 1, attrs, n_attrs);
}

static void
add_initializer(Graph *g, const char *name, const gint64 *dims, int n_dims, const float *values)
{
    g_autoptr(GByteArray) t = g_byte_array_new();
    gsize n = 1;
    for (int i = 0; i < n_dims; i++) {
        train_pb_put_int(t, TENSOR_DIMS, dims[i]);
        n *= (gsize) dims[i];
    }
    train_pb_put_int(t, TENSOR_DATA_TYPE, ELEM_FLOAT);
    train_pb_put_string(t, TENSOR_NAME, name);
    /* raw_data is little-endian IEEE floats: the engine's own bytes on the platforms we
     * build for. */
    G_STATIC_ASSERT(G_BYTE_ORDER == G_LITTLE_ENDIAN);
    train_pb_put_bytes(t, TENSOR_RAW_DATA, values, n * sizeof(float));
    train_pb_put_message(g->graph, GRAPH_INITIALIZER, t);
}

/* A graph input or output: float (N, d1, d2, ...) with N symbolic. */
static void
add_value_info(GByteArray *graph, guint field, const char *name, const gint64 *dims, int n_dims)
{
    g_autoptr(GByteArray) shape = g_byte_array_new();
    g_autoptr(GByteArray) batch = g_byte_array_new();
    train_pb_put_string(batch, 2, "N");                /* Dimension.dim_param */
    train_pb_put_message(shape, 1, batch);
    for (int i = 0; i < n_dims; i++) {
        g_autoptr(GByteArray) dim = g_byte_array_new();
        train_pb_put_int(dim, 1, dims[i]);             /* Dimension.dim_value */
        train_pb_put_message(shape, 1, dim);
    }
    g_autoptr(GByteArray) tensor = g_byte_array_new();
    train_pb_put_int(tensor, 1, ELEM_FLOAT);           /* TypeProto.Tensor.elem_type */
    train_pb_put_message(tensor, 2, shape);            /* .shape */
    g_autoptr(GByteArray) type = g_byte_array_new();
    train_pb_put_message(type, 1, tensor);             /* TypeProto.tensor_type */
    g_autoptr(GByteArray) info = g_byte_array_new();
    train_pb_put_string(info, 1, name);
    train_pb_put_message(info, 2, type);
    train_pb_put_message(graph, field, info);
}

/* conv weight (OC,K,K,C) -> (OC,C,K,K). */
static float *
conv_weight_to_onnx(const float *w, int oc, int k, int c)
{
    float *out = g_new(float, (gsize) oc * k * k * c);
    for (int o = 0; o < oc; o++)
        for (int y = 0; y < k; y++)
            for (int x = 0; x < k; x++)
                for (int i = 0; i < c; i++)
                    out[(((gsize) o * c + i) * k + y) * k + x] = w[(((gsize) o * k + y) * k + x) * c + i];
    return out;
}

/* dense weight (OUT, H*W*C) with columns in (H,W,C) order -> columns in (C,H,W) order. */
static float *
dense_weight_to_onnx(const float *w, int out_units, int h, int wd, int c)
{
    gsize in = (gsize) h * wd * c;
    float *out = g_new(float, out_units * in);
    for (int o = 0; o < out_units; o++)
        for (int y = 0; y < h; y++)
            for (int x = 0; x < wd; x++)
                for (int i = 0; i < c; i++)
                    out[o * in + ((gsize) i * h + y) * wd + x] = w[o * in + ((gsize) y * wd + x) * c + i];
    return out;
}

static void
add_metadata(GByteArray *model, const char *key, const char *value)
{
    g_autoptr(GByteArray) entry = g_byte_array_new();
    train_pb_put_string(entry, 1, key);
    train_pb_put_string(entry, 2, value);
    train_pb_put_message(model, MODEL_METADATA, entry);
}

static char *
json_string_list(char **names)
{
    GString *s = g_string_new("[");
    for (int i = 0; names && names[i]; i++) {
        g_string_append(s, i ? ", \"" : "\"");
        for (const char *p = names[i]; *p; p++) {
            if (*p == '"' || *p == '\\')
                g_string_append_printf(s, "\\%c", *p);
            else if ((guchar) *p < 0x20)
                g_string_append_printf(s, "\\u%04x", (guchar) *p);
            else
                g_string_append_c(s, *p);
        }
        g_string_append_c(s, '"');
    }
    g_string_append_c(s, ']');
    return g_string_free(s, FALSE);
}

static char *
three_floats(const float *v)
{
    char a[G_ASCII_DTOSTR_BUF_SIZE], b[G_ASCII_DTOSTR_BUF_SIZE], c[G_ASCII_DTOSTR_BUF_SIZE];
    return g_strdup_printf("%s;%s;%s", train_format_float(a, v[0]), train_format_float(b, v[1]),
                           train_format_float(c, v[2]));
}

/* The layers of the model as nodes after the normalisation. */
static void
add_layers(Graph *g, const nn_model *model)
{
    const nn_spec *spec = nn_model_spec(model);
    const float *params = nn_model_params((nn_model *) model);
    int h, w, c, tensor = 0, flattened = 0, n_dense = 0, dense_seen = 0;

    nn_model_input_shape(model, &h, &w, &c);
    for (int i = 0; i < spec->n_layers; i++)
        n_dense += spec->layers[i].kind == NN_LAYER_DENSE;
    for (int i = 0; i < spec->n_layers; i++) {
        const nn_spec_layer *L = &spec->layers[i];
        int oh, ow, oc;
        nn_model_layer_shape(model, i, &oh, &ow, &oc);
        if (L->kind == NN_LAYER_CONV || L->kind == NN_LAYER_DENSE) {
            const nn_tensor_info *wt = nn_model_tensor(model, tensor++);
            const nn_tensor_info *bt = nn_model_tensor(model, tensor++);
            char wname[48], bname[48];
            g_snprintf(wname, sizeof wname, "%s", wt->name);
            g_snprintf(bname, sizeof bname, "%s", bt->name);
            gint64 bdims[1] = { bt->size };
            add_initializer(g, bname, bdims, 1, params + bt->offset);
            if (L->kind == NN_LAYER_CONV) {
                int k = L->kernel, p = k / 2;
                g_autofree float *onnx = conv_weight_to_onnx(params + wt->offset, oc, k, c);
                gint64 wdims[4] = { oc, c, k, k };
                add_initializer(g, wname, wdims, 4, onnx);
                const char *inputs[] = { NULL, wname, bname };
                const Attr attrs[] = {
                    { "kernel_shape", { k, k }, 2 },
                    { "pads", { p, p, p, p }, 4 },
                    { "strides", { 1, 1 }, 2 },
                };
                add_node(g, "Conv", inputs, 3, attrs, G_N_ELEMENTS(attrs));
                add_unary(g, "Relu", NULL, 0);
            } else {
                g_autofree float *onnx = NULL;
                const float *weights = params + wt->offset;
                if (!flattened) {
                    const Attr axis[] = { { "axis", { 1 }, -1 } };
                    onnx = dense_weight_to_onnx(weights, oc, h, w, c);
                    weights = onnx;
                    add_unary(g, "Flatten", axis, 1);
                    flattened = 1;
                }
                gint64 wdims[2] = { oc, (gint64) (wt->size / oc) };
                add_initializer(g, wname, wdims, 2, weights);
                const char *inputs[] = { NULL, wname, bname };
                const Attr attrs[] = { { "transB", { 1 }, -1 } };
                add_node(g, "Gemm", inputs, 3, attrs, 1);
                if (++dense_seen < n_dense)
                    add_unary(g, "Relu", NULL, 0);
            }
        } else if (L->kind == NN_LAYER_POOL) {
            const Attr attrs[] = { { "kernel_shape", { 2, 2 }, 2 }, { "strides", { 2, 2 }, 2 } };
            add_unary(g, "MaxPool", attrs, G_N_ELEMENTS(attrs));
        }
        h = oh, w = ow, c = oc;
    }
}

GByteArray *train_onnx_build(const nn_model *model, const TrainModelInfo *info)
{
    g_return_val_if_fail(model != NULL && info != NULL && info->has_info, NULL);

    int H, W, C;
    nn_model_input_shape(model, &H, &W, &C);
    Graph g = { .graph = g_byte_array_new() };
    train_pb_put_string(g.graph, GRAPH_NAME, "lrlab");
    train_pb_put_string(g.graph, GRAPH_DOC_STRING,
                        "Input: RGB images in 0..255, NCHW. Output: softmax probabilities of "
                        "the classes named in the metadata's \"classes\", in that order.");

    /* (x - mean) / std per channel, as constants (3,1,1) that broadcast over (N,3,H,W).
     * Not (1,3,1,1): OpenCV 4.6's importer rejects a 4-D constant operand. */
    float mean[3], std[3];
    for (int i = 0; i < 3; i++)
        mean[i] = info->norm.mean[i], std[i] = info->norm.std[i];
    const gint64 channel_dims[3] = { 3, 1, 1 };
    add_initializer(&g, "mean", channel_dims, 3, mean);
    add_initializer(&g, "std", channel_dims, 3, std);
    const char *sub_inputs[] = { "image", "mean" };
    add_node(&g, "Sub", sub_inputs, 2, NULL, 0);
    const char *div_inputs[] = { NULL, "std" };
    add_node(&g, "Div", div_inputs, 2, NULL, 0);

    add_layers(&g, model);
    const Attr axis[] = { { "axis", { 1 }, -1 } };
    g.output = "probabilities";
    add_unary(&g, "Softmax", axis, 1);

    const gint64 in_dims[3] = { C, H, W };
    add_value_info(g.graph, GRAPH_INPUT, "image", in_dims, 3);
    const gint64 out_dims[1] = { nn_model_num_classes(model) };
    add_value_info(g.graph, GRAPH_OUTPUT, g.current, out_dims, 1);

    GByteArray *bytes = g_byte_array_new();
    train_pb_put_int(bytes, MODEL_IR_VERSION, ONNX_IR_VERSION);
    train_pb_put_string(bytes, MODEL_PRODUCER_NAME, "LR Lab");
    train_pb_put_string(bytes, MODEL_PRODUCER_VERSION, PACKAGE_VERSION);
    train_pb_put_string(bytes, MODEL_DOC_STRING, "A CNN trained with LR Lab (lrlab-train).");
    train_pb_put_message(bytes, MODEL_GRAPH, g.graph);
    g_byte_array_unref(g.graph);
    g_autoptr(GByteArray) opset = g_byte_array_new();
    train_pb_put_string(opset, 1, "");
    train_pb_put_int(opset, 2, ONNX_OPSET);
    train_pb_put_message(bytes, MODEL_OPSET_IMPORT, opset);

    char text[NN_SPEC_MAX_TEXT];
    nn_spec_format(nn_model_spec(model), text, sizeof text);
    g_autofree char *classes = json_string_list(info->class_names);
    g_autofree char *input = g_strdup_printf("%dx%dx%d", H, W, C);
    g_autofree char *mean_text = three_floats(info->norm.mean);
    g_autofree char *std_text = three_floats(info->norm.std);
    g_autofree char *epoch = g_strdup_printf("%d", info->epoch);
    const char *resize = NULL;
    for (const TrainFieldChoice *ch = train_field_find("resize")->choices; ch->word; ch++)
        if (ch->value == (int) info->resize)
            resize = ch->word;
    add_metadata(bytes, "classes", classes);
    add_metadata(bytes, "lrlab.spec", text);
    add_metadata(bytes, "lrlab.input", input);
    add_metadata(bytes, "lrlab.mean", mean_text);
    add_metadata(bytes, "lrlab.std", std_text);
    add_metadata(bytes, "lrlab.resize", resize ? resize : "");
    add_metadata(bytes, "lrlab.epoch", epoch);
    return bytes;
}

gboolean train_onnx_export(const char *model_path, const char *onnx_path, GError **error)
{
    g_return_val_if_fail(model_path != NULL && onnx_path != NULL, FALSE);

    TrainModelInfo info;
    nn_model *model = train_model_load(model_path, 1, &info, NULL, error);
    if (model == NULL)
        return FALSE;
    gboolean ok = FALSE;
    if (!info.has_info) {
        g_autofree char *shown = g_filename_display_name(model_path);
        g_set_error(error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                    _("%s is a checkpoint of LR Lab's first version: it does not say the "
                    "normalisation or the class names the network needs, so it cannot be "
                    "exported; train the run again to get a model file that does"),
                    shown);
    } else {
        g_autoptr(GByteArray) bytes = train_onnx_build(model, &info);
        ok = g_file_set_contents(onnx_path, (const char *) bytes->data, bytes->len, error);
        if (!ok) {
            g_autofree char *shown = g_filename_display_name(onnx_path);
            g_prefix_error(error, _("Cannot write %s: "), shown);
        }
    }
    train_model_info_clear(&info);
    nn_model_free(model);
    return ok;
}
