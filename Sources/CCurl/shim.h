#ifndef CHARGEBUS_CCURL_SHIM_H
#define CHARGEBUS_CCURL_SHIM_H

#include <curl/curl.h>

// curl_easy_setopt and curl_easy_getinfo are variadic, which Swift cannot call: these typed
// wrappers are the only way the Swift side sets options.
static inline CURLcode cb_curl_setopt_long(CURL *handle, CURLoption option, long value) {
    return curl_easy_setopt(handle, option, value);
}
static inline CURLcode cb_curl_setopt_pointer(CURL *handle, CURLoption option, void *value) {
    return curl_easy_setopt(handle, option, value);
}
static inline CURLcode cb_curl_setopt_string(CURL *handle, CURLoption option, const char *value) {
    return curl_easy_setopt(handle, option, value);
}
static inline CURLcode cb_curl_setopt_offset(CURL *handle, CURLoption option, curl_off_t value) {
    return curl_easy_setopt(handle, option, value);
}
typedef size_t (*cb_curl_data_callback)(char *buffer, size_t size, size_t count, void *userdata);
static inline CURLcode cb_curl_setopt_data_callback(CURL *handle, CURLoption option, cb_curl_data_callback callback) {
    return curl_easy_setopt(handle, option, callback);
}
static inline CURLcode cb_curl_getinfo_long(CURL *handle, CURLINFO info, long *value) {
    return curl_easy_getinfo(handle, info, value);
}

static inline CURLcode cb_curl_setopt_xferinfo_callback(CURL *handle, curl_xferinfo_callback callback) {
    return curl_easy_setopt(handle, CURLOPT_XFERINFOFUNCTION, callback);
}
static inline CURLcode cb_curl_global_init_default(void) {
    return curl_global_init(CURL_GLOBAL_DEFAULT);
}
// CURLAUTH_BASIC is a cast expression Swift does not import.
static inline CURLcode cb_curl_setopt_httpauth_basic(CURL *handle) {
    return curl_easy_setopt(handle, CURLOPT_HTTPAUTH, CURLAUTH_BASIC);
}

#endif
