/*
 * request.c — life cycle of http_request and http_response, header access.
 */
#include <string.h>

#include "http/http.h"

const char *http_method_name(http_method m)
{
	switch (m) {
	case HTTP_GET: return "GET";
	case HTTP_HEAD: return "HEAD";
	case HTTP_POST: return "POST";
	case HTTP_PUT: return "PUT";
	case HTTP_DELETE: return "DELETE";
	case HTTP_PATCH: return "PATCH";
	case HTTP_OPTIONS: return "OPTIONS";
	}
	return "-";
}

http_request *http_request_new(void)
{
	http_request *req = g_new0(http_request, 1);
	req->headers = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
	req->body = g_bytes_new_static("", 0);
	req->raw_query = g_strdup("");
	req->lang = "de";
	return req;
}

void http_request_free(http_request *req)
{
	if (!req)
		return;
	g_free(req->path);
	g_free(req->raw_query);
	g_hash_table_unref(req->headers);
	g_bytes_unref(req->body);
	g_free(req->remote_addr);
	g_clear_pointer(&req->query, http_params_free);
	g_clear_pointer(&req->form, http_params_free);
	g_clear_pointer(&req->uploads, g_ptr_array_unref);
	g_clear_pointer(&req->cookies, g_hash_table_unref);
	g_clear_pointer(&req->path_params, g_hash_table_unref);
	g_free(req);
}

const char *http_request_header(const http_request *req, const char *name)
{
	char lower[64];
	size_t n = strlen(name);

	if (n >= sizeof lower)
		return NULL;
	for (size_t i = 0; i <= n; i++)
		lower[i] = g_ascii_tolower(name[i]);
	return g_hash_table_lookup(req->headers, lower);
}

const char *http_request_path_param(const http_request *req, const char *name)
{
	return req->path_params ? g_hash_table_lookup(req->path_params, name) : NULL;
}

http_response *http_response_new(void)
{
	http_response *resp = g_new0(http_response, 1);
	resp->status = 200;
	resp->headers = g_ptr_array_new_with_free_func(g_free);
	resp->body = g_string_sized_new(4096);
	resp->route_name = "-";
	return resp;
}

void http_response_free(http_response *resp)
{
	if (!resp)
		return;
	g_ptr_array_unref(resp->headers);
	g_string_free(resp->body, TRUE);
	g_clear_pointer(&resp->body_bytes, g_bytes_unref);
	g_free(resp);
}

void http_response_set_header(http_response *resp, const char *name, const char *value)
{
	for (guint i = 0; i + 1 < resp->headers->len; i += 2) {
		if (!g_ascii_strcasecmp(g_ptr_array_index(resp->headers, i), name)) {
			g_free(resp->headers->pdata[i + 1]);
			resp->headers->pdata[i + 1] = g_strdup(value);
			return;
		}
	}
	g_ptr_array_add(resp->headers, g_strdup(name));
	g_ptr_array_add(resp->headers, g_strdup(value));
}

void http_response_add_header(http_response *resp, const char *name, const char *value)
{
	g_ptr_array_add(resp->headers, g_strdup(name));
	g_ptr_array_add(resp->headers, g_strdup(value));
}

const char *http_response_get_header(const http_response *resp, const char *name)
{
	for (guint i = 0; i + 1 < resp->headers->len; i += 2)
		if (!g_ascii_strcasecmp(g_ptr_array_index(resp->headers, i), name))
			return g_ptr_array_index(resp->headers, i + 1);
	return NULL;
}
