// Transport::Stream: one long-lived response (a watch) read as it arrives, through curl's
// multi interface so that a stop request ends it promptly.
#include <curl/curl.h>

#include "target/kube/internal/transport.h"

namespace capstan::target::kube {
namespace {

// How often a stream checks its stop token when no data arrives.
constexpr int kStreamPollMillis = 100;

struct StreamSink {
  const std::function<bool(long, std::string_view)>* on_data;
  CURL* curl = nullptr;
  bool stopped_by_callback = false;
};

size_t WriteStream(char* data, size_t size, size_t count, void* user) {
  auto* sink = static_cast<StreamSink*>(user);
  long status = 0;
  curl_easy_getinfo(sink->curl, CURLINFO_RESPONSE_CODE, &status);
  if (!(*sink->on_data)(status, std::string_view(data, size * count))) {
    sink->stopped_by_callback = true;
    return 0;
  }
  return size * count;
}

}  // namespace

Result<long> Transport::Stream(const HttpRequest& request,
                               const std::function<bool(long, std::string_view)>& on_data,
                               const std::stop_token& stop) {
  const std::string what = request.method + " " + config_.server + request.path;
  limiter_.Wait();
  curl_slist* headers = static_cast<curl_slist*>(MakeHeaders(request));
  CURL* curl = curl_easy_init();
  Prepare(curl, request, headers);
  StreamSink sink{&on_data, curl};
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, WriteStream);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &sink);
  CURLM* multi = curl_multi_init();
  curl_multi_add_handle(multi, curl);
  {
    std::stop_callback wake(stop, [multi] { curl_multi_wakeup(multi); });
    int running = 1;
    while (running > 0 && !stop.stop_requested()) {
      if (curl_multi_perform(multi, &running) != CURLM_OK) break;
      if (running > 0) curl_multi_poll(multi, nullptr, 0, kStreamPollMillis, nullptr);
    }
  }
  CURLcode code = CURLE_OK;
  bool finished = false;
  int queued = 0;
  while (CURLMsg* message = curl_multi_info_read(multi, &queued)) {
    if (message->msg == CURLMSG_DONE) {
      code = message->data.result;
      finished = true;
    }
  }
  long status = 0;
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
  curl_multi_remove_handle(multi, curl);
  curl_multi_cleanup(multi);
  curl_easy_cleanup(curl);
  curl_slist_free_all(headers);
  if (stop.stop_requested() || sink.stopped_by_callback || !finished || code == CURLE_OK) {
    return status;
  }
  return Error::Unavailable(what + ": " + curl_easy_strerror(code));
}

}  // namespace capstan::target::kube
