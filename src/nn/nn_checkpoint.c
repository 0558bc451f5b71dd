/* nn_checkpoint: saves and loads a model's weights and optimizer state as one versioned,
 * checksummed little-endian file. Saving is atomic (a crash leaves the old file or the new
 * one, never half of one); loading reads and verifies the whole file before it touches
 * the model, so a bad file costs the user nothing but an error message. */
#define _POSIX_C_SOURCE 200809L
#include "nn_checkpoint.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const unsigned char MAGIC[8] = { 'L', 'R', 'L', 'A', 'B', 'C', 'K', 'P' };
#define PREAMBLE_BYTES 16u      /* magic, version, header_bytes */
#define CHECKSUM_BYTES 8u
#define MAX_SPEC_TEXT 1024u     /* 64 layers of "c65536k31-" fit */
/* u32 spec_len + text + 3 i32 + u32 kind + (6 f64 + 2 i32) config + i64 + u64 + u32 */
#define HEADER_FIXED_BYTES (4u + 12u + 4u + 56u + 8u + 8u + 4u)
/* v2 adds u64 dropout_seed, u64 dropout_counter, u32 metadata_len + metadata */
#define HEADER_V2_BYTES (8u + 8u + 4u)

#define FNV_OFFSET 14695981039346656037ULL
#define FNV_PRIME 1099511628211ULL

static uint64_t fnv1a(uint64_t h, const unsigned char *p, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        h ^= p[i];
        h *= FNV_PRIME;
    }
    return h;
}

/* ---- writing: a buffered little-endian stream that checksums what it writes ---- */

typedef struct {
    FILE *f;
    uint64_t hash;
    size_t used;
    int failed;
    int error;      /* errno of the first failure */
    unsigned char buf[1 << 16];
} writer;

static void writer_flush(writer *w)
{
    if (w->used && !w->failed) {
        w->hash = fnv1a(w->hash, w->buf, w->used);
        if (fwrite(w->buf, 1, w->used, w->f) != w->used)
            w->failed = 1, w->error = errno;
    }
    w->used = 0;
}

static void put_bytes(writer *w, const void *p, size_t n)
{
    const unsigned char *c = p;
    while (n > 0) {
        if (w->used == sizeof w->buf)
            writer_flush(w);
        size_t k = sizeof w->buf - w->used;
        if (k > n)
            k = n;
        memcpy(w->buf + w->used, c, k);
        w->used += k, c += k, n -= k;
    }
}

/* The low n bytes of v, least significant first, whatever the host's byte order. */
static void put_le(writer *w, uint64_t v, int n)
{
    unsigned char b[8];
    for (int i = 0; i < n; i++)
        b[i] = (unsigned char)(v >> (8 * i));
    put_bytes(w, b, (size_t)n);
}

static void put_u64(writer *w, uint64_t v) { put_le(w, v, 8); }
static void put_u32(writer *w, uint32_t v) { put_le(w, v, 4); }

static void put_f64(writer *w, double v)
{
    uint64_t u;
    memcpy(&u, &v, 8);
    put_u64(w, u);
}

static void put_floats(writer *w, const float *v, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        uint32_t u;
        memcpy(&u, &v[i], 4);
        put_u32(w, u);
    }
}

/* ---- reading: a bounds-checked cursor over the file's bytes ---- */

typedef struct {
    const unsigned char *p;
    size_t size, pos;
    int overrun;    /* a read past the end: the caller reports a truncated header */
} reader;

static const unsigned char *take(reader *r, size_t n)
{
    if (r->overrun || n > r->size - r->pos) {
        r->overrun = 1;
        return NULL;
    }
    const unsigned char *q = r->p + r->pos;
    r->pos += n;
    return q;
}

/* n bytes, least significant first; 0 past the end (r->overrun says so). */
static uint64_t get_le(reader *r, int n)
{
    const unsigned char *b = take(r, (size_t)n);
    uint64_t v = 0;
    for (int i = 0; b && i < n; i++)
        v |= (uint64_t)b[i] << (8 * i);
    return v;
}

static uint64_t get_u64(reader *r) { return get_le(r, 8); }
static uint32_t get_u32(reader *r) { return (uint32_t)get_le(r, 4); }

static double get_f64(reader *r)
{
    uint64_t u = get_u64(r);
    double v;
    memcpy(&v, &u, 8);
    return v;
}

static void get_floats(reader *r, float *out, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        uint32_t u = get_u32(r);
        memcpy(&out[i], &u, 4);
    }
}

/* ---- the header, shared by save, load and peek ---- */

typedef struct {
    uint32_t version;
    char spec_text[MAX_SPEC_TEXT + 1];
    int32_t height, width, channels;
    nn_optimizer_config config;
    int64_t step;
    uint64_t num_parameters;
    uint32_t has_moments;
    uint64_t dropout_seed, dropout_counter;   /* v2 */
    uint32_t metadata_len;                     /* v2 */
    const char *metadata;  /* v2: borrowed (the caller's text, or the file's bytes) */
} ckpt_header;

static uint32_t header_bytes(const ckpt_header *h)
{
    uint32_t n = HEADER_FIXED_BYTES + (uint32_t)strlen(h->spec_text);
    return h->version >= 2 ? n + HEADER_V2_BYTES + h->metadata_len : n;
}

static void put_header(writer *w, const ckpt_header *h)
{
    uint32_t len = (uint32_t)strlen(h->spec_text);
    put_u32(w, len);
    put_bytes(w, h->spec_text, len);
    put_u32(w, (uint32_t)h->height);
    put_u32(w, (uint32_t)h->width);
    put_u32(w, (uint32_t)h->channels);
    put_u32(w, (uint32_t)h->config.kind);
    put_f64(w, h->config.lr);
    put_f64(w, h->config.momentum);
    put_u32(w, (uint32_t)h->config.nesterov);
    put_f64(w, h->config.beta1);
    put_f64(w, h->config.beta2);
    put_f64(w, h->config.eps);
    put_f64(w, h->config.weight_decay);
    put_u32(w, (uint32_t)h->config.decoupled);
    put_u64(w, (uint64_t)h->step);
    put_u64(w, h->num_parameters);
    put_u32(w, h->has_moments);
    if (h->version >= 2) {
        put_u64(w, h->dropout_seed);
        put_u64(w, h->dropout_counter);
        put_u32(w, h->metadata_len);
        put_bytes(w, h->metadata, h->metadata_len);
    }
}

/* Reads the header of a file of this version within r (which spans exactly header_bytes).
 * 0 when it does not fit. h->metadata points into r's bytes. */
static int get_header(reader *r, uint32_t version, ckpt_header *h)
{
    memset(h, 0, sizeof *h);
    h->version = version;
    uint32_t len = get_u32(r);
    if (len > MAX_SPEC_TEXT)
        return 0;
    const unsigned char *text = take(r, len);
    if (!text)
        return 0;
    memcpy(h->spec_text, text, len);
    h->spec_text[len] = '\0';
    h->height = (int32_t)get_u32(r);
    h->width = (int32_t)get_u32(r);
    h->channels = (int32_t)get_u32(r);
    h->config.kind = (nn_optimizer_kind)get_u32(r);
    h->config.lr = get_f64(r);
    h->config.momentum = get_f64(r);
    h->config.nesterov = (int)get_u32(r);
    h->config.beta1 = get_f64(r);
    h->config.beta2 = get_f64(r);
    h->config.eps = get_f64(r);
    h->config.weight_decay = get_f64(r);
    h->config.decoupled = (int)get_u32(r);
    h->step = (int64_t)get_u64(r);
    h->num_parameters = get_u64(r);
    h->has_moments = get_u32(r);
    if (version >= 2) {
        h->dropout_seed = get_u64(r);
        h->dropout_counter = get_u64(r);
        h->metadata_len = get_u32(r);
        if (h->metadata_len > NN_CHECKPOINT_MAX_METADATA)
            return 0;
        h->metadata = (const char *)take(r, h->metadata_len);
    }
    return !r->overrun && r->pos == r->size;
}

void nn_checkpoint_info_clear(nn_checkpoint_info *info)
{
    if (!info)
        return;
    free(info->metadata);
    memset(info, 0, sizeof *info);
}

/* What the caller learns of a header; the metadata is copied out of the file's bytes. */
static nn_status fill_info(nn_checkpoint_info *info, const ckpt_header *h, nn_error *err)
{
    if (!info)
        return NN_OK;
    memset(info, 0, sizeof *info);
    info->version = h->version;
    info->has_moments = (int)h->has_moments;
    info->optimizer = h->config;
    info->step = h->step;
    info->has_dropout_state = h->version >= 2;
    info->dropout_seed = h->dropout_seed;
    info->dropout_counter = h->dropout_counter;
    if (h->version >= 2 && h->metadata_len > 0) {
        info->metadata = malloc(h->metadata_len + 1u);
        if (!info->metadata)
            return nn_error_set(err, NN_ERR_MEMORY, "out of memory");
        memcpy(info->metadata, h->metadata, h->metadata_len);
        info->metadata[h->metadata_len] = '\0';
    }
    return NN_OK;
}

/* Floats of optimizer state saved for this header: m for SGD, m and v for Adam. */
static uint64_t moment_tensors(const ckpt_header *h)
{
    if (!h->has_moments)
        return 0;
    return h->config.kind == NN_OPTIMIZER_ADAM ? 2 : 1;
}

/* ---- save ---- */

static char *dir_of(const char *path)
{
    const char *slash = strrchr(path, '/');
    if (!slash)
        return strdup(".");
    if (slash == path)
        return strdup("/");
    return strndup(path, (size_t)(slash - path));
}

nn_status nn_checkpoint_save(const char *path, const nn_model *model,
                             const nn_optimizer *opt, nn_error *err)
{
    return nn_checkpoint_save_with(path, model, opt, NULL, err);
}

nn_status nn_checkpoint_save_with(const char *path, const nn_model *model,
                                  const nn_optimizer *opt, const char *metadata, nn_error *err)
{
    nn_error_clear(err);
    if (!path || !*path || !model)
        return nn_error_set(err, NN_ERR_ARG, "no checkpoint path or model given");
    size_t metadata_len = metadata ? strlen(metadata) : 0;
    if (metadata_len > NN_CHECKPOINT_MAX_METADATA)
        return nn_error_set(err, NN_ERR_ARG, "checkpoint metadata of %zu bytes is over the "
                                             "limit of %u", metadata_len,
                            NN_CHECKPOINT_MAX_METADATA);
    size_t n = nn_model_num_parameters(model);
    if (opt && opt->num_parameters != n)
        return nn_error_set(err, NN_ERR_ARG,
                            "the optimizer holds %zu parameters but the model has %zu",
                            opt->num_parameters, n);

    ckpt_header h;
    memset(&h, 0, sizeof h);
    h.version = NN_CHECKPOINT_VERSION;
    h.dropout_seed = nn_model_dropout_seed(model);
    h.dropout_counter = nn_model_dropout_counter(model);
    h.metadata = metadata;
    h.metadata_len = (uint32_t)metadata_len;
    nn_spec_format(nn_model_spec(model), h.spec_text, sizeof h.spec_text);
    int H, W, C;
    nn_model_input_shape(model, &H, &W, &C);
    h.height = H, h.width = W, h.channels = C;
    h.num_parameters = n;
    if (opt) {
        h.config = opt->config;
        h.step = opt->step;
        h.has_moments = 1;
    }

    char *dir = dir_of(path);
    size_t tlen = strlen(path) + 16;
    char *tmp = malloc(tlen);
    writer *w = calloc(1, sizeof *w);
    if (!dir || !tmp || !w) {
        free(dir), free(tmp), free(w);
        return nn_error_set(err, NN_ERR_MEMORY, "out of memory");
    }
    /* Same folder as the target, so the rename is atomic (one file system). */
    snprintf(tmp, tlen, "%s.tmpXXXXXX", path);
    int fd = mkstemp(tmp);
    if (fd < 0) {
        nn_status st = nn_error_set(err, NN_ERR_IO, "cannot create a file in '%s': %s", dir,
                                    strerror(errno));
        free(dir), free(tmp), free(w);
        return st;
    }
    fchmod(fd, 0644); /* mkstemp's 0600 would hide the file from the user's other tools */
    w->f = fdopen(fd, "wb");
    w->hash = FNV_OFFSET;
    if (!w->f) {
        w->failed = 1, w->error = errno;
        close(fd);
    } else {
        put_bytes(w, MAGIC, sizeof MAGIC);
        put_u32(w, NN_CHECKPOINT_VERSION);
        put_u32(w, header_bytes(&h));
        put_header(w, &h);
        /* nn_model_params is not const: it hands out the buffer for the optimizer */
        put_floats(w, nn_model_params((nn_model *)model), n);
        if (opt) {
            put_floats(w, opt->m, n);
            if (opt->config.kind == NN_OPTIMIZER_ADAM)
                put_floats(w, opt->v, n);
        }
        writer_flush(w);
        uint64_t sum = w->hash;
        put_u64(w, sum);
        writer_flush(w);
        if (!w->failed && (fflush(w->f) != 0 || fsync(fileno(w->f)) != 0))
            w->failed = 1, w->error = errno;
        if (fclose(w->f) != 0 && !w->failed)
            w->failed = 1, w->error = errno;
    }
    nn_status st = NN_OK;
    if (w->failed) {
        st = nn_error_set(err, NN_ERR_IO, "cannot write checkpoint '%s': %s", path,
                          w->error ? strerror(w->error) : "write failed");
        unlink(tmp);
    } else if (rename(tmp, path) != 0) {
        st = nn_error_set(err, NN_ERR_IO, "cannot move the new checkpoint into place at '%s': %s",
                          path, strerror(errno));
        unlink(tmp);
    } else {
        /* The rename is durable only once the folder's entry is on disk. */
        int dfd = open(dir, O_RDONLY);
        if (dfd >= 0) {
            fsync(dfd);
            close(dfd);
        }
    }
    free(dir), free(tmp), free(w);
    return st;
}

/* ---- load ---- */

/* The whole file in memory, or an error naming the path. */
static nn_status read_file(const char *path, unsigned char **data, size_t *size, nn_error *err)
{
    *data = NULL;
    *size = 0;
    int fd = open(path, O_RDONLY);
    if (fd < 0)
        return nn_error_set(err, NN_ERR_IO, "cannot open checkpoint '%s': %s", path,
                            strerror(errno));
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        close(fd);
        return nn_error_set(err, NN_ERR_FORMAT, "'%s' is not a checkpoint file (not a regular "
                                                "file)", path);
    }
    size_t n = (size_t)st.st_size;
    unsigned char *buf = malloc(n ? n : 1);
    if (!buf) {
        close(fd);
        return nn_error_set(err, NN_ERR_MEMORY, "out of memory reading '%s' (%zu bytes)", path,
                            n);
    }
    size_t got = 0;
    while (got < n) {
        ssize_t r = read(fd, buf + got, n - got);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0) {
            int e = r < 0 ? errno : 0;
            free(buf);
            close(fd);
            return nn_error_set(err, NN_ERR_IO, "cannot read checkpoint '%s': %s", path,
                                e ? strerror(e) : "the file shrank while reading");
        }
        got += (size_t)r;
    }
    close(fd);
    *data = buf;
    *size = n;
    return NN_OK;
}

/* Magic, version and the header from the first `size` bytes of a file (all of it for
 * load, the first few hundred bytes for peek). */
static nn_status parse_preamble(const char *path, const unsigned char *data, size_t size,
                                ckpt_header *h, uint32_t *hbytes, nn_error *err)
{
    if (size == 0)
        return nn_error_set(err, NN_ERR_FORMAT, "checkpoint '%s' is empty (0 bytes)", path);
    size_t m = size < sizeof MAGIC ? size : sizeof MAGIC;
    if (memcmp(data, MAGIC, m) != 0)
        return nn_error_set(err, NN_ERR_FORMAT,
                            "'%s' is not an LR Lab checkpoint (it does not start with "
                            "\"LRLABCKP\")", path);
    if (size < PREAMBLE_BYTES)
        return nn_error_set(err, NN_ERR_FORMAT,
                            "checkpoint '%s' is truncated: only %zu bytes", path, size);
    reader r = { data, size, sizeof MAGIC, 0 };
    uint32_t version = get_u32(&r);
    if (version < 1 || version > NN_CHECKPOINT_VERSION)
        return nn_error_set(err, NN_ERR_VERSION,
                            "checkpoint '%s' has format version %u; this version of LR Lab "
                            "reads versions 1 to %u",
                            path, version, NN_CHECKPOINT_VERSION);
    *hbytes = get_u32(&r);
    uint32_t least = HEADER_FIXED_BYTES + (version >= 2 ? HEADER_V2_BYTES : 0);
    uint32_t most = least + MAX_SPEC_TEXT + (version >= 2 ? NN_CHECKPOINT_MAX_METADATA : 0);
    if (*hbytes < least || *hbytes > most)
        return nn_error_set(err, NN_ERR_FORMAT,
                            "checkpoint '%s' is corrupted: its header size %u is impossible",
                            path, *hbytes);
    if (size - PREAMBLE_BYTES < *hbytes)
        return nn_error_set(err, NN_ERR_FORMAT,
                            "checkpoint '%s' is truncated: %zu bytes, its header alone needs %u",
                            path, size, PREAMBLE_BYTES + *hbytes);
    reader hr = { data + PREAMBLE_BYTES, *hbytes, 0, 0 };
    if (!get_header(&hr, version, h))
        return nn_error_set(err, NN_ERR_FORMAT,
                            "checkpoint '%s' is corrupted: its header does not add up", path);
    return NN_OK;
}

/* The spec with every dropout rate zeroed: rates do not change the parameter layout, so a
 * checkpoint saved with dropout on loads into the same network with dropout off. */
static void layout_text(const nn_spec *spec, char *buf, size_t n)
{
    nn_spec s = *spec;
    nn_spec_set_dropout(&s, 0.0f);
    nn_spec_format(&s, buf, n);
}

/* The header, and whether the whole file is sound: the size its header promises and the
 * checksum over everything. Load and verify share it. */
static nn_status check_whole(const char *path, const unsigned char *data, size_t size,
                             ckpt_header *h, uint32_t *hbytes, nn_error *err)
{
    nn_status st = parse_preamble(path, data, size, h, hbytes, err);
    if (st != NN_OK)
        return st;

    /* The size the header promises. Overflow-safe: num_parameters is bounded first. */
    uint64_t n = h->num_parameters;
    uint64_t tensors = 1 + moment_tensors(h);
    uint64_t fixed = (uint64_t)PREAMBLE_BYTES + *hbytes + CHECKSUM_BYTES;
    uint64_t expected = n <= (UINT64_MAX - fixed) / (4 * tensors) ? fixed + 4 * tensors * n
                                                                 : UINT64_MAX;
    uint64_t stored = 0;
    int sum_ok = 0;
    if (size >= PREAMBLE_BYTES + CHECKSUM_BYTES) {
        reader tail = { data + size - CHECKSUM_BYTES, CHECKSUM_BYTES, 0, 0 };
        stored = get_u64(&tail);
        sum_ok = fnv1a(FNV_OFFSET, data, size - CHECKSUM_BYTES) == stored;
    }
    if (size < expected && !sum_ok)
        return nn_error_set(err, NN_ERR_FORMAT,
                            "checkpoint '%s' is truncated: %zu bytes of the %llu it should have "
                            "(an interrupted copy or a full disk?)",
                            path, size, (unsigned long long)expected);
    if (!sum_ok)
        return nn_error_set(err, NN_ERR_FORMAT,
                            "checkpoint '%s' is corrupted: its checksum does not match its "
                            "contents", path);
    if (size != expected)
        return nn_error_set(err, NN_ERR_FORMAT,
                            "checkpoint '%s' is corrupted: %zu bytes but its header describes "
                            "%llu", path, size, (unsigned long long)expected);
    return NN_OK;
}

/* The whole file in memory (*data, to free) once it has passed check_whole. */
static nn_status read_whole(const char *path, unsigned char **data, size_t *size,
                            ckpt_header *h, uint32_t *hbytes, nn_error *err)
{
    nn_status st = read_file(path, data, size, err);
    if (st == NN_OK && (st = check_whole(path, *data, *size, h, hbytes, err)) != NN_OK) {
        free(*data);
        *data = NULL;
    }
    return st;
}

nn_status nn_checkpoint_verify(const char *path, nn_error *err)
{
    nn_error_clear(err);
    if (!path || !*path)
        return nn_error_set(err, NN_ERR_ARG, "no checkpoint path given");
    unsigned char *data;
    size_t size;
    ckpt_header h;
    uint32_t hbytes = 0;
    nn_status st = read_whole(path, &data, &size, &h, &hbytes, err);
    free(data);
    return st;
}

nn_status nn_checkpoint_load(const char *path, nn_model *model, nn_optimizer *opt,
                             nn_error *err)
{
    return nn_checkpoint_load_with(path, model, opt, NULL, err);
}

nn_status nn_checkpoint_load_with(const char *path, nn_model *model, nn_optimizer *opt,
                                  nn_checkpoint_info *info, nn_error *err)
{
    nn_error_clear(err);
    if (info)
        memset(info, 0, sizeof *info);
    if (!path || !*path || !model)
        return nn_error_set(err, NN_ERR_ARG, "no checkpoint path or model given");
    unsigned char *data;
    size_t size;
    ckpt_header h;
    uint32_t hbytes = 0;
    nn_status st = read_whole(path, &data, &size, &h, &hbytes, err);
    if (st != NN_OK)
        return st;
    uint64_t n = h.num_parameters;

    /* A sound file: is it for this model? */
    nn_spec saved_spec;
    nn_error spec_err;
    char saved_layout[MAX_SPEC_TEXT + 1], model_layout[MAX_SPEC_TEXT + 1];
    char model_text[MAX_SPEC_TEXT + 1];
    nn_spec_format(nn_model_spec(model), model_text, sizeof model_text);
    layout_text(nn_model_spec(model), model_layout, sizeof model_layout);
    if (nn_spec_parse(&saved_spec, h.spec_text, &spec_err) != NN_OK) {
        st = nn_error_set(err, NN_ERR_FORMAT,
                          "checkpoint '%s' names a network that does not parse ('%s')", path,
                          h.spec_text);
        goto out;
    }
    layout_text(&saved_spec, saved_layout, sizeof saved_layout);
    if (strcmp(saved_layout, model_layout) != 0) {
        st = nn_error_set(err, NN_ERR_MISMATCH,
                          "checkpoint '%s' is for the network '%s', but this model is '%s'", path,
                          h.spec_text, model_text);
        goto out;
    }
    int H, W, C;
    nn_model_input_shape(model, &H, &W, &C);
    if (h.height != H || h.width != W || h.channels != C) {
        st = nn_error_set(err, NN_ERR_MISMATCH,
                          "checkpoint '%s' is for %dx%dx%d input images, but this model takes "
                          "%dx%dx%d",
                          path, (int)h.height, (int)h.width, (int)h.channels, H, W, C);
        goto out;
    }
    if (n != nn_model_num_parameters(model)) {
        st = nn_error_set(err, NN_ERR_MISMATCH,
                          "checkpoint '%s' holds %llu parameters, but this model has %zu", path,
                          (unsigned long long)n, nn_model_num_parameters(model));
        goto out;
    }
    if (opt) {
        if (!h.has_moments) {
            st = nn_error_set(err, NN_ERR_MISMATCH,
                              "checkpoint '%s' holds weights only, no optimizer state to resume "
                              "from", path);
            goto out;
        }
        if (opt->num_parameters != n || !opt->m ||
            (opt->config.kind == NN_OPTIMIZER_ADAM && !opt->v)) {
            st = nn_error_set(err, NN_ERR_ARG,
                              "the optimizer given for '%s' was not initialised for this "
                              "model's %llu parameters", path, (unsigned long long)n);
            goto out;
        }
        if (h.config.kind != opt->config.kind) {
            st = nn_error_set(err, NN_ERR_MISMATCH,
                              "checkpoint '%s' holds %s state, but the optimizer is %s", path,
                              h.config.kind == NN_OPTIMIZER_ADAM ? "Adam" : "SGD",
                              opt->config.kind == NN_OPTIMIZER_ADAM ? "Adam" : "SGD");
            goto out;
        }
    }

    st = fill_info(info, &h, err);
    if (st != NN_OK)
        goto out;

    /* Everything verified: now, and only now, change the model and the optimizer. */
    reader r = { data, size - CHECKSUM_BYTES, PREAMBLE_BYTES + hbytes, 0 };
    get_floats(&r, nn_model_params(model), (size_t)n);
    if (opt) {
        get_floats(&r, opt->m, (size_t)n);
        if (h.config.kind == NN_OPTIMIZER_ADAM)
            get_floats(&r, opt->v, (size_t)n);
        opt->config = h.config;
        opt->step = h.step;
    }
    if (h.version >= 2)
        nn_model_set_dropout_state(model, h.dropout_seed, h.dropout_counter);
    st = NN_OK;
out:
    free(data);
    return st;
}

nn_status nn_checkpoint_peek(const char *path, char *spec_text, size_t spec_size,
                             int *height, int *width, int *channels, nn_error *err)
{
    return nn_checkpoint_peek_info(path, spec_text, spec_size, height, width, channels, NULL,
                                   err);
}

nn_status nn_checkpoint_peek_info(const char *path, char *spec_text, size_t spec_size,
                                  int *height, int *width, int *channels,
                                  nn_checkpoint_info *info, nn_error *err)
{
    nn_error_clear(err);
    if (info)
        memset(info, 0, sizeof *info);
    if (!path || !*path)
        return nn_error_set(err, NN_ERR_ARG, "no checkpoint path given");
    /* Only the preamble and header: a UI listing many checkpoints should not read every
     * payload. The checksum is therefore not verified here; load does that. */
    FILE *f = fopen(path, "rb");
    if (!f)
        return nn_error_set(err, NN_ERR_IO, "cannot open checkpoint '%s': %s", path,
                            strerror(errno));
    /* The preamble says how long the header is; a corrupt length is bounded by the most
     * any version's header can hold, and parse_preamble then reports it. */
    unsigned char pre[PREAMBLE_BYTES];
    size_t got = fread(pre, 1, sizeof pre, f);
    size_t want = got;
    if (got == sizeof pre) {
        uint32_t hb = (uint32_t)pre[12] | (uint32_t)pre[13] << 8 | (uint32_t)pre[14] << 16 |
                      (uint32_t)pre[15] << 24;
        uint32_t most = HEADER_FIXED_BYTES + HEADER_V2_BYTES + MAX_SPEC_TEXT +
                        NN_CHECKPOINT_MAX_METADATA;
        want = PREAMBLE_BYTES + (hb < most ? hb : most);
    }
    unsigned char *buf = malloc(want ? want : 1);
    if (!buf) {
        fclose(f);
        return nn_error_set(err, NN_ERR_MEMORY, "out of memory");
    }
    memcpy(buf, pre, got);
    if (want > got)
        got += fread(buf + got, 1, want - got, f);
    fclose(f);
    ckpt_header h;
    uint32_t hbytes;
    nn_status st = parse_preamble(path, buf, got, &h, &hbytes, err);
    if (st == NN_OK)
        st = fill_info(info, &h, err);
    if (st == NN_OK) {
        if (spec_text && spec_size > 0)
            snprintf(spec_text, spec_size, "%s", h.spec_text);
        if (height)
            *height = h.height;
        if (width)
            *width = h.width;
        if (channels)
            *channels = h.channels;
    }
    free(buf);
    return st;
}
