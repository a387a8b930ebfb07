import CCurl
import Foundation
import Dispatch
import Synchronization

// The only file that touches libcurl. The channels describe a transfer in Swift values
// (`CurlRequest`), and get back Swift values (`CurlResponse`); everything unsafe (handles, C
// callbacks, unmanaged userdata, C strings and lists) stays below.

/// A libcurl result code, wrapped so that classification code and tests need not import CCurl.
struct CurlCode: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    var rawValue: UInt32

    init(rawValue: UInt32) { self.rawValue = rawValue }
    init(_ code: CURLcode) { self.rawValue = code.rawValue }

    static let ok = CurlCode(CURLE_OK)
    static let unsupportedProtocol = CurlCode(CURLE_UNSUPPORTED_PROTOCOL)
    static let urlMalformed = CurlCode(CURLE_URL_MALFORMAT)
    static let couldntResolveProxy = CurlCode(CURLE_COULDNT_RESOLVE_PROXY)
    static let couldntResolveHost = CurlCode(CURLE_COULDNT_RESOLVE_HOST)
    static let couldntConnect = CurlCode(CURLE_COULDNT_CONNECT)
    static let weirdServerReply = CurlCode(CURLE_WEIRD_SERVER_REPLY)
    static let remoteAccessDenied = CurlCode(CURLE_REMOTE_ACCESS_DENIED)
    static let partialFile = CurlCode(CURLE_PARTIAL_FILE)
    static let operationTimedOut = CurlCode(CURLE_OPERATION_TIMEDOUT)
    static let sslConnectError = CurlCode(CURLE_SSL_CONNECT_ERROR)
    static let abortedByCallback = CurlCode(CURLE_ABORTED_BY_CALLBACK)
    static let gotNothing = CurlCode(CURLE_GOT_NOTHING)
    static let sendError = CurlCode(CURLE_SEND_ERROR)
    static let recvError = CurlCode(CURLE_RECV_ERROR)
    static let sslCertProblem = CurlCode(CURLE_SSL_CERTPROBLEM)
    static let sslCACertBadFile = CurlCode(CURLE_SSL_CACERT_BADFILE)
    static let useSSLFailed = CurlCode(CURLE_USE_SSL_FAILED)
    static let loginDenied = CurlCode(CURLE_LOGIN_DENIED)
    static let peerFailedVerification = CurlCode(CURLE_PEER_FAILED_VERIFICATION)
    static let again = CurlCode(CURLE_AGAIN)
    static let http2 = CurlCode(CURLE_HTTP2)
    static let http2Stream = CurlCode(CURLE_HTTP2_STREAM)
    static let failedInit = CurlCode(CURLE_FAILED_INIT)
    static let outOfMemory = CurlCode(CURLE_OUT_OF_MEMORY)
    static let unknownOption = CurlCode(CURLE_UNKNOWN_OPTION)
    static let notBuiltIn = CurlCode(CURLE_NOT_BUILT_IN)

    /// libcurl's own one-line text for the code (`Couldn't connect to server`).
    var summary: String { String(cString: curl_easy_strerror(CURLcode(rawValue: rawValue))) }

    var description: String { "curl error \(rawValue) (\(summary))" }
}

/// One transfer, in Swift values.
struct CurlRequest: Sendable {
    enum Payload: Sendable {
        /// An HTTP POST of these bytes.
        case httpPost([UInt8])
        /// An SMTP submission. The message is uploaded as is: libcurl does the SMTP dot-stuffing
        /// and appends the terminating `CRLF.CRLF` itself.
        case mail(from: String, recipients: [String], message: [UInt8])
    }

    enum TLSRequirement: Sendable {
        /// No TLS unless the URL's scheme is `smtps://`/`https://`.
        case none
        /// Upgrade with STARTTLS and fail when the server doesn't offer it.
        case required
    }

    var url: String
    var payload: Payload
    /// Which schemes the URL may use: `smtp,smtps` or `http,https`, so that a config typo can
    /// never make libcurl read a `file://` or talk another protocol.
    var allowedProtocols: String
    var headers: [String] = []
    var username: String?
    var password: String?
    var httpBasicAuth = false
    /// SASL options such as `AUTH=PLAIN`; nil lets libcurl pick from what the server offers.
    var loginOptions: String?
    var tls: TLSRequirement = .none
    var caFile: String?
    var verifyPeer = true
    var timeoutS: Double
    var connectTimeoutS: Double
    var userAgent: String?
}

/// What came back: never thrown, so that the (pure, testable) classification sees everything.
struct CurlResponse: Sendable {
    var code: CurlCode
    /// The last HTTP status or SMTP reply code; 0 when the server never answered.
    var responseCode: Int
    var body: [UInt8]
    /// HTTP: the header lines of the final response. SMTP: every reply line the server sent, in
    /// order (libcurl hands the protocol's replies to the header callback).
    var headerLines: [String]
    /// libcurl's detailed error text (`CURLOPT_ERRORBUFFER`), or its summary of `code`.
    var errorText: String
}

enum CurlTransfer {
    /// More parallel sends than this gain nothing against one SMTP relay or gateway, and each
    /// occupies a thread for the transfer's whole duration.
    static let maxConcurrentTransfers = 8

    private static let slots = TransferSlots(count: maxConcurrentTransfers)

    // libcurl blocks in `curl_easy_perform`, so each transfer gets a thread of its own. Not a
    // dispatch queue: on Linux, Swift's cooperative pool runs on libdispatch's global threads
    // (one per core), and two slow SMS requests blocking them stalled every task in the daemon,
    // including recording the emails that had just been accepted.

    // Swift runs a static initializer once, thread-safely: exactly what curl_global_init needs.
    private static let globalInit = CurlCode(cb_curl_global_init_default())

    private static let maxBodyBytes = 1 << 20
    private static let maxHeaderLines = 500

    /// Performs one transfer on a thread of its own. Cancelling the task aborts the transfer at
    /// libcurl's next progress callback (about once a second, or sooner when data flows).
    static func perform(_ request: CurlRequest) async -> CurlResponse {
        let cancellation = CancellationFlag()
        return await withTaskCancellationHandler {
            await slots.acquire()
            defer { slots.release() }
            return await withCheckedContinuation { continuation in
                let thread = Thread {
                    let (response, cleanup) = performBlocking(request, cancellation: cancellation)
                    // The answer goes back before the goodbye: SMTP's QUIT and the TLS close happen
                    // in cleanup, and a send the server accepted must be recorded as sent without
                    // waiting for them (a crash in between would send it again).
                    continuation.resume(returning: response)
                    cleanup()
                }
                thread.name = "chargebus-curl"
                thread.start()
            }
        } onCancel: {
            cancellation.cancel()
        }
    }

    private static func performBlocking(_ request: CurlRequest, cancellation: CancellationFlag) -> (CurlResponse, () -> Void) {
        guard globalInit == .ok else { return (CurlResponse(failure: globalInit, text: "curl_global_init failed"), {}) }
        guard !cancellation.isCancelled else { return (CurlResponse(failure: .abortedByCallback, text: "cancelled before start"), {}) }
        guard let handle = curl_easy_init() else { return (CurlResponse(failure: .failedInit, text: "curl_easy_init failed"), {}) }

        let state = TransferState(cancellation: cancellation)
        if case .mail(_, _, let message) = request.payload { state.upload = message }
        let userdata = Unmanaged.passRetained(state)
        let errorBuffer = UnsafeMutablePointer<CChar>.allocate(capacity: Int(CURL_ERROR_SIZE))
        errorBuffer.initialize(repeating: 0, count: Int(CURL_ERROR_SIZE))
        var lists = CurlLists()
        let cleanup = {
            // Cleanup may still talk to the server (SMTP QUIT) and call the header callback, so
            // the userdata is released only after it.
            curl_easy_cleanup(handle)
            lists.freeAll()
            errorBuffer.deallocate()
            userdata.release()
        }

        var options = OptionSetter(handle: handle)
        configure(&options, lists: &lists, for: request, userdata: userdata.toOpaque(), errorBuffer: errorBuffer)
        if let failed = options.firstFailure {
            return (CurlResponse(failure: failed.code, text: "setting \(failed.option) failed: \(failed.code.summary)"), cleanup)
        }

        let code = CurlCode(curl_easy_perform(handle))
        var responseCode = 0
        _ = cb_curl_getinfo_long(handle, CURLINFO_RESPONSE_CODE, &responseCode)
        let detail = String(cString: errorBuffer)
        let response = CurlResponse(
            code: code,
            responseCode: responseCode,
            body: state.body,
            headerLines: state.headerLines,
            errorText: code == .ok ? "" : (detail.isEmpty ? code.summary : detail)
        )
        return (response, cleanup)
    }

    private static func configure(
        _ options: inout OptionSetter,
        lists: inout CurlLists,
        for request: CurlRequest,
        userdata: UnsafeMutableRawPointer,
        errorBuffer: UnsafeMutablePointer<CChar>
    ) {
        // Without NOSIGNAL, libcurl uses SIGALRM for DNS timeouts, which is unsafe with threads.
        options.set(CURLOPT_NOSIGNAL, 1)
        options.set(CURLOPT_ERRORBUFFER, pointer: UnsafeMutableRawPointer(errorBuffer))
        options.set(CURLOPT_URL, request.url)
        options.set(CURLOPT_PROTOCOLS_STR, request.allowedProtocols)
        options.set(CURLOPT_TIMEOUT_MS, milliseconds(request.timeoutS))
        options.set(CURLOPT_CONNECTTIMEOUT_MS, milliseconds(min(request.connectTimeoutS, request.timeoutS)))
        options.set(CURLOPT_SSL_VERIFYPEER, request.verifyPeer ? 1 : 0)
        options.set(CURLOPT_SSL_VERIFYHOST, request.verifyPeer ? 2 : 0)
        if let caFile = request.caFile { options.set(CURLOPT_CAINFO, caFile) }
        if let username = request.username { options.set(CURLOPT_USERNAME, username) }
        if let password = request.password { options.set(CURLOPT_PASSWORD, password) }
        if let loginOptions = request.loginOptions { options.set(CURLOPT_LOGIN_OPTIONS, loginOptions) }
        if let userAgent = request.userAgent { options.set(CURLOPT_USERAGENT, userAgent) }
        switch request.tls {
        case .none: options.set(CURLOPT_USE_SSL, Int(CURLUSESSL_NONE.rawValue))
        case .required: options.set(CURLOPT_USE_SSL, Int(CURLUSESSL_ALL.rawValue))
        }

        options.set(CURLOPT_WRITEDATA, pointer: userdata)
        options.set(CURLOPT_WRITEFUNCTION, callback: { buffer, size, count, userdata in
            guard let buffer, let userdata else { return 0 }
            let state = Unmanaged<TransferState>.fromOpaque(userdata).takeUnretainedValue()
            let length = size * count
            // Past the cap the rest is dropped, not refused: refusing would fail a send that the
            // server already accepted.
            let kept = min(length, CurlTransfer.maxBodyBytes - state.body.count)
            if kept > 0 { state.body.append(contentsOf: UnsafeRawBufferPointer(start: buffer, count: kept)) }
            return length
        })
        options.set(CURLOPT_HEADERDATA, pointer: userdata)
        options.set(CURLOPT_HEADERFUNCTION, callback: { buffer, size, count, userdata in
            guard let buffer, let userdata else { return 0 }
            let state = Unmanaged<TransferState>.fromOpaque(userdata).takeUnretainedValue()
            let length = size * count
            var bytes = UnsafeRawBufferPointer(start: buffer, count: length)[...]
            // Trimmed as bytes: "\r\n" is one Character, which String.hasSuffix("\n") misses.
            while let last = bytes.last, last == UInt8(ascii: "\n") || last == UInt8(ascii: "\r") { bytes = bytes.dropLast() }
            let line = String(decoding: bytes, as: UTF8.self)
            // A new status line starts a new HTTP response (after a 100 Continue, a redirect or
            // an auth retry): only the final response's headers matter.
            if line.hasPrefix("HTTP/") { state.headerLines.removeAll() }
            if state.headerLines.count < CurlTransfer.maxHeaderLines { state.headerLines.append(line) }
            return length
        })
        options.set(CURLOPT_NOPROGRESS, 0)
        options.set(CURLOPT_XFERINFODATA, pointer: userdata)
        options.setTransferInfoCallback { userdata, _, _, _, _ in
            guard let userdata else { return 0 }
            let state = Unmanaged<TransferState>.fromOpaque(userdata).takeUnretainedValue()
            return state.cancellation.isCancelled ? 1 : 0
        }

        if !request.headers.isEmpty {
            options.set(CURLOPT_HTTPHEADER, pointer: lists.make(request.headers))
        }
        if request.httpBasicAuth { options.setBasicAuth() }

        switch request.payload {
        case .httpPost(let body):
            options.set(CURLOPT_POST, 1)
            options.set(CURLOPT_POSTFIELDSIZE_LARGE, offset: curl_off_t(body.count))
            // COPYPOSTFIELDS: libcurl keeps its own copy, so the Swift array's storage need not
            // outlive this call.
            body.withUnsafeBufferPointer { bytes in
                if let base = bytes.baseAddress {
                    options.set(CURLOPT_COPYPOSTFIELDS, pointer: UnsafeMutableRawPointer(mutating: base))
                } else {
                    options.set(CURLOPT_COPYPOSTFIELDS, "")
                }
            }
        case .mail(let from, let recipients, let message):
            options.set(CURLOPT_MAIL_FROM, from)
            options.set(CURLOPT_MAIL_RCPT, pointer: lists.make(recipients))
            options.set(CURLOPT_UPLOAD, 1)
            options.set(CURLOPT_INFILESIZE_LARGE, offset: curl_off_t(message.count))
            options.set(CURLOPT_READDATA, pointer: userdata)
            options.set(CURLOPT_READFUNCTION, callback: { buffer, size, count, userdata in
                guard let buffer, let userdata else { return 0 }
                let state = Unmanaged<TransferState>.fromOpaque(userdata).takeUnretainedValue()
                let length = min(size * count, state.upload.count - state.uploadOffset)
                guard length > 0 else { return 0 }
                state.upload.withUnsafeBytes { source in
                    UnsafeMutableRawPointer(buffer).copyMemory(from: source.baseAddress! + state.uploadOffset, byteCount: length)
                }
                state.uploadOffset += length
                return length
            })
        }
    }

    private static func milliseconds(_ seconds: Double) -> Int {
        Int(max(1, (seconds * 1000).rounded()))
    }
}

extension CurlResponse {
    fileprivate init(failure code: CurlCode, text: String) {
        self.init(code: code, responseCode: 0, body: [], headerLines: [], errorText: text)
    }
}

/// What the C callbacks of one transfer read and write. Only ever touched by the thread running
/// that transfer; reached from C through an `Unmanaged` pointer.
private final class TransferState {
    let cancellation: CancellationFlag
    var upload: [UInt8] = []
    var uploadOffset = 0
    var body: [UInt8] = []
    var headerLines: [String] = []

    init(cancellation: CancellationFlag) { self.cancellation = cancellation }
}

private final class CancellationFlag: Sendable {
    private let cancelled = Atomic<Bool>(false)

    var isCancelled: Bool { cancelled.load(ordering: .relaxed) }
    func cancel() { cancelled.store(true, ordering: .relaxed) }
}

/// `curl_slist`s that must outlive the transfer.
private struct CurlLists {
    private var lists: [UnsafeMutablePointer<curl_slist>] = []

    mutating func make(_ items: [String]) -> UnsafeMutableRawPointer? {
        var list: UnsafeMutablePointer<curl_slist>? = nil
        for item in items {
            guard let appended = curl_slist_append(list, item) else { continue }
            list = appended
        }
        guard let list else { return nil }
        lists.append(list)
        return UnsafeMutableRawPointer(list)
    }

    mutating func freeAll() {
        for list in lists { curl_slist_free_all(list) }
        lists.removeAll()
    }
}

/// Sets options through the typed shims, remembering the first one libcurl refused.
private struct OptionSetter {
    let handle: UnsafeMutableRawPointer
    private(set) var firstFailure: (option: UInt32, code: CurlCode)?

    init(handle: UnsafeMutableRawPointer) { self.handle = handle }

    private mutating func record(_ option: CURLoption, _ result: CURLcode) {
        if result != CURLE_OK, firstFailure == nil { firstFailure = (option.rawValue, CurlCode(result)) }
    }

    mutating func set(_ option: CURLoption, _ value: Int) { record(option, cb_curl_setopt_long(handle, option, value)) }
    mutating func set(_ option: CURLoption, _ value: String) { record(option, cb_curl_setopt_string(handle, option, value)) }
    mutating func set(_ option: CURLoption, offset: curl_off_t) { record(option, cb_curl_setopt_offset(handle, option, offset)) }
    mutating func set(_ option: CURLoption, pointer: UnsafeMutableRawPointer?) {
        record(option, cb_curl_setopt_pointer(handle, option, pointer))
    }
    mutating func set(_ option: CURLoption, callback: cb_curl_data_callback) {
        record(option, cb_curl_setopt_data_callback(handle, option, callback))
    }
    mutating func setTransferInfoCallback(_ callback: curl_xferinfo_callback) {
        record(CURLOPT_XFERINFOFUNCTION, cb_curl_setopt_xferinfo_callback(handle, callback))
    }
    mutating func setBasicAuth() { record(CURLOPT_HTTPAUTH, cb_curl_setopt_httpauth_basic(handle)) }
}

/// A counting semaphore for async code: waiting suspends the task instead of blocking a thread.
private final class TransferSlots: Sendable {
    private struct State {
        var free: Int
        var waiters: [CheckedContinuation<Void, Never>] = []
    }

    private let state: Mutex<State>

    init(count: Int) { state = Mutex(State(free: count)) }

    func acquire() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let granted = state.withLock { state in
                if state.free > 0 {
                    state.free -= 1
                    return true
                }
                state.waiters.append(continuation)
                return false
            }
            if granted { continuation.resume() }
        }
    }

    func release() {
        let next = state.withLock { state -> CheckedContinuation<Void, Never>? in
            if state.waiters.isEmpty {
                state.free += 1
                return nil
            }
            return state.waiters.removeFirst()
        }
        next?.resume()
    }
}
