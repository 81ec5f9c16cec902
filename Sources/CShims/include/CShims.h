#ifndef AIRFLEET_CSHIMS_H
#define AIRFLEET_CSHIMS_H

#include <amqp.h>
#include <curl/curl.h>

/// amqp_login with PLAIN credentials: the C function is variadic, which Swift cannot call.
amqp_rpc_reply_t airfleet_amqp_login_plain(amqp_connection_state_t state, const char *vhost,
                                           int channel_max, int frame_max, int heartbeat,
                                           const char *user, const char *password);

/// amqp_login_with_properties with PLAIN credentials, so the broker shows a connection name.
amqp_rpc_reply_t airfleet_amqp_login_plain_with_properties(
    amqp_connection_state_t state, const char *vhost, int channel_max, int frame_max,
    int heartbeat, const amqp_table_t *client_properties, const char *user,
    const char *password);

/// curl_easy_setopt, one wrapper for each argument type.
CURLcode airfleet_curl_setopt_long(CURL *handle, CURLoption option, long value);
CURLcode airfleet_curl_setopt_string(CURL *handle, CURLoption option, const char *value);
CURLcode airfleet_curl_setopt_pointer(CURL *handle, CURLoption option, void *value);
CURLcode airfleet_curl_setopt_offset(CURL *handle, CURLoption option, curl_off_t value);

/// curl_easy_getinfo, one wrapper for each result type.
CURLcode airfleet_curl_getinfo_long(CURL *handle, CURLINFO info, long *value);
CURLcode airfleet_curl_getinfo_double(CURL *handle, CURLINFO info, double *value);
CURLcode airfleet_curl_getinfo_string(CURL *handle, CURLINFO info, const char **value);

#endif
