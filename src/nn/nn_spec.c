/* nn_spec: parses the one-line network spec ("c64-p-f512-d0.5-f2") a user types, checks
 * it layer by layer, and writes it back in canonical form. Every error names the token
 * and its 1-based position, because the user has to find it in what they typed. */
#define _POSIX_C_SOURCE 200809L
#include "nn_spec.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Bounds that keep every size computation far from int overflow; no sensible network on
 * this machine comes near them. */
#define SPEC_MAX_UNITS 65536
#define SPEC_MAX_KERNEL 31

/* paper: the student's network. small and tiny: the same shape of network cut down so
 * that a run at 64x64 on two cores takes minutes (small) or seconds (tiny).
 * The two arrays are read in step; the names one is NULL-terminated for callers. */
static const char *const preset_names[] = { "paper", "small", "tiny", NULL };
static const char *const preset_specs[] = {
    "c64-p-c64-p-c128-c128-p-c256-c256-p-c64-p-f512-d0.5-f2",
    "c32-p-c32-p-c64-p-c64-p-f128-d0.5-f2",
    "c8-p-c16-p-f32-f2",
};

const char *nn_preset_spec(const char *name)
{
    if (!name)
        return NULL;
    for (size_t i = 0; preset_names[i]; i++)
        if (strcmp(preset_names[i], name) == 0)
            return preset_specs[i];
    return NULL;
}

const char *const *nn_preset_names(void)
{
    return preset_names;
}

/* Parses a positive decimal integer that is the whole of [s, end); 0 on failure. */
static int parse_count(const char *s, const char *end, int max)
{
    if (s == end)
        return 0;
    long v = 0;
    for (const char *c = s; c < end; c++) {
        if (!isdigit((unsigned char)*c))
            return 0;
        v = v * 10 + (*c - '0');
        if (v > max)
            return max + 1;
    }
    return (int)v;
}

/* Whether [s, s+n) is a plain decimal: digits with at most one '.', at least one digit,
 * then optionally e or E, an optional sign and digits. */
static int is_decimal(const char *s, size_t n)
{
    size_t i = 0, digits = 0, dots = 0;
    for (; i < n && (isdigit((unsigned char)s[i]) || s[i] == '.'); i++) {
        digits += s[i] != '.';
        dots += s[i] == '.';
    }
    if (digits == 0 || dots > 1)
        return 0;
    if (i == n)
        return 1;
    if (s[i] != 'e' && s[i] != 'E')
        return 0;
    if (++i < n && (s[i] == '-' || s[i] == '+'))
        i++;
    if (i == n)
        return 0;
    for (; i < n; i++)
        if (!isdigit((unsigned char)s[i]))
            return 0;
    return 1;
}

/* Where the token starting at tok ends (its '-' or end). A '-' is the separator except
 * inside a dropout rate's exponent, "d1e-05": after an 'e' that follows d and a digit or
 * '.', and before a digit. No other token can hold an 'e', so this reads nothing else
 * differently. */
static const char *token_end(const char *tok, const char *end)
{
    const char *dash = memchr(tok, '-', (size_t)(end - tok));
    while (dash && (tok[0] == 'd' || tok[0] == 'D') && dash - tok >= 3 &&
           (dash[-1] == 'e' || dash[-1] == 'E') &&
           (isdigit((unsigned char)dash[-2]) || dash[-2] == '.') && dash + 1 < end &&
           isdigit((unsigned char)dash[1]))
        dash = memchr(dash + 1, '-', (size_t)(end - dash - 1));
    return dash ? dash : end;
}

/* One token (not NUL-terminated: [tok, tok+len)) into layer. pos is 1-based. */
static nn_status parse_token(nn_spec_layer *layer, const char *tok, size_t len, int pos,
                             nn_error *err)
{
    memset(layer, 0, sizeof *layer);
    const char *end = tok + len;
    if (len == 0)
        return nn_error_set(err, NN_ERR_SPEC,
                            "token %d '': empty token (two '-' in a row, or a '-' at an end?)",
                            pos);
    char kind = (char)tolower((unsigned char)tok[0]);
    const char *num = tok + 1;
    switch (kind) {
    case 'c': {
        const char *k = num;
        while (k < end && tolower((unsigned char)*k) != 'k')
            k++;
        int units = parse_count(num, k, SPEC_MAX_UNITS);
        if (units < 1 || units > SPEC_MAX_UNITS)
            return nn_error_set(err, NN_ERR_SPEC,
                                "token %d '%.*s': a convolution needs a filter count from 1 to %d "
                                "(cN, e.g. c64, or cNkK for a KxK kernel, e.g. c32k5)",
                                pos, (int)len, tok, SPEC_MAX_UNITS);
        int kernel = 3;
        if (k < end) {
            kernel = parse_count(k + 1, end, SPEC_MAX_KERNEL);
            if (kernel < 1 || kernel > SPEC_MAX_KERNEL)
                return nn_error_set(err, NN_ERR_SPEC,
                                    "token %d '%.*s': the kernel size after 'k' must be an odd "
                                    "number from 1 to %d (e.g. c32k5)",
                                    pos, (int)len, tok, SPEC_MAX_KERNEL);
            if (kernel % 2 == 0)
                return nn_error_set(err, NN_ERR_SPEC,
                                    "token %d '%.*s': the kernel size %d is even; \"same\" padding "
                                    "needs an odd kernel (1, 3, 5, ...)",
                                    pos, (int)len, tok, kernel);
        }
        layer->kind = NN_LAYER_CONV;
        layer->units = units;
        layer->kernel = kernel;
        return NN_OK;
    }
    case 'p':
        if (len != 1)
            return nn_error_set(err, NN_ERR_SPEC,
                                "token %d '%.*s': pooling takes no number (write just 'p')",
                                pos, (int)len, tok);
        layer->kind = NN_LAYER_POOL;
        return NN_OK;
    case 'f': {
        int units = parse_count(num, end, SPEC_MAX_UNITS);
        if (units < 1 || units > SPEC_MAX_UNITS)
            return nn_error_set(err, NN_ERR_SPEC,
                                "token %d '%.*s': a dense layer needs a unit count from 1 to %d "
                                "(fN, e.g. f512)",
                                pos, (int)len, tok, SPEC_MAX_UNITS);
        layer->kind = NN_LAYER_DENSE;
        layer->units = units;
        return NN_OK;
    }
    case 'd': {
        char buf[64];
        size_t n = (size_t)(end - num);
        char *stop = NULL;
        double rate = -1.0;
        /* strtod would also take "inf", "0x1p-1" or a leading space: allow only a decimal
         * such as 0.5, .25, 0 or 1e-05 (what the canonical form writes below 1e-4). */
        int plain = n > 0 && n < sizeof buf && is_decimal(num, n);
        if (plain) {
            memcpy(buf, num, n);
            buf[n] = '\0';
            errno = 0;
            rate = strtod(buf, &stop);
            if (stop != buf + n || errno != 0)
                rate = -1.0;
        }
        if (rate < 0.0)
            return nn_error_set(err, NN_ERR_SPEC,
                                "token %d '%.*s': dropout needs a rate (dR with R in [0, 1), "
                                "e.g. d0.5)",
                                pos, (int)len, tok);
        if (!((float)rate < 1.0f))
            return nn_error_set(err, NN_ERR_SPEC,
                                "token %d '%.*s': the dropout rate %g is out of range; it must be "
                                "at least 0 and below 1 (d0.5 drops half the units)",
                                pos, (int)len, tok, rate);
        layer->kind = NN_LAYER_DROPOUT;
        layer->rate = (float)rate;
        return NN_OK;
    }
    default:
        return nn_error_set(err, NN_ERR_SPEC,
                            "token %d '%.*s': unknown layer; expected cN (convolution), cNkK, "
                            "p (pooling), fN (dense) or dR (dropout)",
                            pos, (int)len, tok);
    }
}

/* The text of one layer as the canonical form writes it. */
static void format_layer(const nn_spec_layer *l, char *buf, size_t n)
{
    switch (l->kind) {
    case NN_LAYER_CONV:
        if (l->kernel == 3)
            snprintf(buf, n, "c%d", l->units);
        else
            snprintf(buf, n, "c%dk%d", l->units, l->kernel);
        break;
    case NN_LAYER_POOL:
        snprintf(buf, n, "p");
        break;
    case NN_LAYER_DENSE:
        snprintf(buf, n, "f%d", l->units);
        break;
    case NN_LAYER_DROPOUT: {
        /* The shortest decimal that reads back as the same float, so format -> parse is
         * exact and the text stays what a person would type (0.1, not 0.100000001). %g
         * writes a rate below 1e-4 with an exponent (1e-05), which the parser reads
         * (token_end); 9 digits always suffice for a float, so the loop ends there. -0
         * is written 0: its '-' would be a separator. */
        if (l->rate == 0.0f) {
            snprintf(buf, n, "d0");
            break;
        }
        for (int prec = 1; prec <= 9; prec++) {
            snprintf(buf, n, "d%.*g", prec, (double)l->rate);
            if ((float)strtod(buf + 1, NULL) == l->rate)
                break;
        }
        break;
    }
    }
}

/* Checks the layer order, which no single token can show. */
static nn_status check_order(const nn_spec *spec, nn_error *err)
{
    char tok[32];
    int seen_dense = 0;
    for (int i = 0; i < spec->n_layers; i++) {
        const nn_spec_layer *l = &spec->layers[i];
        if (seen_dense && (l->kind == NN_LAYER_CONV || l->kind == NN_LAYER_POOL)) {
            format_layer(l, tok, sizeof tok);
            /* Two whole sentences: a translation cannot insert an English noun. */
            if (l->kind == NN_LAYER_CONV)
                return nn_error_set(err, NN_ERR_SPEC,
                                    "token %d '%s': a convolution cannot follow a dense layer (the "
                                    "features are already flattened); put convolutions and pooling "
                                    "first", i + 1, tok);
            return nn_error_set(err, NN_ERR_SPEC,
                                "token %d '%s': pooling cannot follow a dense layer (the features "
                                "are already flattened); put convolutions and pooling first",
                                i + 1, tok);
        }
        if (l->kind == NN_LAYER_DENSE)
            seen_dense = 1;
    }
    const nn_spec_layer *last = &spec->layers[spec->n_layers - 1];
    format_layer(last, tok, sizeof tok);
    if (last->kind != NN_LAYER_DENSE)
        return nn_error_set(err, NN_ERR_SPEC,
                            "token %d '%s': the last layer must be a dense layer fN whose N is "
                            "the number of classes (e.g. end with -f2)",
                            spec->n_layers, tok);
    if (last->units < 2)
        return nn_error_set(err, NN_ERR_SPEC,
                            "token %d '%s': the last layer gives the number of classes, which "
                            "must be at least 2",
                            spec->n_layers, tok);
    return NN_OK;
}

nn_status nn_spec_parse(nn_spec *spec, const char *text, nn_error *err)
{
    nn_error_clear(err);
    if (!spec || !text)
        return nn_error_set(err, NN_ERR_ARG, "no network spec given");

    /* Surrounding blanks are what a text entry leaves; they are not part of the spec. */
    while (isspace((unsigned char)*text))
        text++;
    size_t len = strlen(text);
    while (len > 0 && isspace((unsigned char)text[len - 1]))
        len--;
    const char *const *names = nn_preset_names();
    for (size_t i = 0; names[i]; i++) {
        if (strlen(names[i]) == len && strncmp(names[i], text, len) == 0) {
            text = preset_specs[i];
            len = strlen(text);
            break;
        }
    }
    if (len == 0)
        return nn_error_set(err, NN_ERR_SPEC,
                            "the network spec is empty; type layers such as c8-p-c16-p-f32-f2 "
                            "or a preset name (paper, small, tiny)");

    nn_spec parsed;
    memset(&parsed, 0, sizeof parsed);
    const char *end = text + len;
    const char *tok = text;
    int pos = 1;
    for (;;) {
        const char *tok_end = token_end(tok, end);
        const char *dash = tok_end < end ? tok_end : NULL;
        if (parsed.n_layers == NN_SPEC_MAX_LAYERS)
            return nn_error_set(err, NN_ERR_SPEC,
                                "token %d '%.*s': too many layers (at most %d)", pos,
                                (int)(tok_end - tok), tok, NN_SPEC_MAX_LAYERS);
        nn_status st = parse_token(&parsed.layers[parsed.n_layers], tok,
                                   (size_t)(tok_end - tok), pos, err);
        if (st != NN_OK)
            return st;
        parsed.n_layers++;
        if (!dash)
            break;
        tok = dash + 1;
        pos++;
    }

    nn_status st = check_order(&parsed, err);
    if (st != NN_OK)
        return st;
    *spec = parsed;
    return NN_OK;
}

void nn_spec_format(const nn_spec *spec, char *buf, size_t n)
{
    if (!buf || n == 0)
        return;
    buf[0] = '\0';
    size_t used = 0;
    for (int i = 0; i < spec->n_layers; i++) {
        char tok[32];
        format_layer(&spec->layers[i], tok, sizeof tok);
        int w = snprintf(buf + used, n - used, "%s%s", i ? "-" : "", tok);
        if (w < 0 || (size_t)w >= n - used)
            return; /* truncated, still NUL-terminated by snprintf */
        used += (size_t)w;
    }
}

void nn_spec_set_dropout(nn_spec *spec, float rate)
{
    for (int i = 0; i < spec->n_layers; i++)
        if (spec->layers[i].kind == NN_LAYER_DROPOUT)
            spec->layers[i].rate = rate;
}

int nn_spec_num_classes(const nn_spec *spec)
{
    if (!spec || spec->n_layers == 0)
        return 0;
    const nn_spec_layer *last = &spec->layers[spec->n_layers - 1];
    return last->kind == NN_LAYER_DENSE ? last->units : 0;
}
