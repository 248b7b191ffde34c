/*
 * outbox_web.h — the office's outbox (/verwaltung/postausgang): what bireg
 * sent or tries to send, per recipient, with the SMTP server's answers and
 * "Erneut senden" for failed mails; and for admins the development folder
 * (/verwaltung/postausgang/entwicklungsordner), where mail goes when no SMTP
 * server is set up. With BIREG_TEST_ROUTES=1 also POST /_test/mail, which
 * queues a test mail.
 */
#pragma once
#include "http/http.h"

extern const route outbox_routes[];
