import AtriumCore
import AtriumHTTP
import AtriumStorage
import AtriumTenancy
import AtriumWork
import Foundation
import Synchronization
import Testing

@Suite("Job queue and outbox", .timeLimit(.minutes(3)))
struct WorkTests {

    final class Box: Sendable { let seen = Mutex<[Int64]>([]) }

    @Test("two workers share the queue with SKIP LOCKED: every job runs exactly once")
    func workersShareQueue() async throws {
        try await TestEnv.with("jobs") { s in
            for i in 0..<30 { try await s.jobs.enqueue(JobRequest(kind: "test.record", payload: #"{"n":\#(i)}"#)) }
            let box = Box()
            let handler = SharedRecorder(box: box)
            let a = JobWorker(queue: s.jobs, handlers: [handler], name: "a", logger: s.logger)
            let b = JobWorker(queue: s.jobs, handlers: [handler], name: "b", logger: s.logger)
            async let ra: Void = { while try await a.runOnce() {} }()
            async let rb: Void = { while try await b.runOnce() {} }()
            _ = try await (ra, rb)
            let seen = box.seen.withLock { $0 }
            #expect(seen.count == 30)
            #expect(Set(seen).count == 30)
            let open = try await s.database.platform { conn in
                try await conn.query("SELECT count(*) FROM platform.jobs WHERE done_at IS NULL", logger: s.logger).collect().first?.decode(Int.self)
            }
            #expect(open == 0)
        }
    }

    struct SharedRecorder: JobHandler {
        let kinds = ["test.record"]
        let box: Box
        func perform(_ job: Job) async throws { box.seen.withLock { $0.append(job.id) } }
    }

    struct Failing: JobHandler {
        let kinds = ["test.fail"]
        func perform(_ job: Job) async throws { throw InputError(field: "job", reason: "always fails") }
    }

    @Test("a failing job is retried later with its error recorded")
    func failingJobBacksOff() async throws {
        try await TestEnv.with("jobfail") { s in
            try await s.jobs.enqueue(JobRequest(kind: "test.fail", payload: "{}"))
            let worker = JobWorker(queue: s.jobs, handlers: [Failing()], logger: s.logger)
            #expect(try await worker.runOnce())
            #expect(try await worker.runOnce() == false) // backed off: not due yet
            let (attempts, error) = try await s.database.platform { conn in
                try await conn.query("SELECT attempts, last_error FROM platform.jobs", logger: s.logger).collect().first!.decode((Int, String?).self)
            }
            #expect(attempts == 1)
            #expect(error?.contains("always fails") == true)
        }
    }

    @Test("provisioning mails the admin invitation through the outbox into the mail directory")
    func invitationMail() async throws {
        try await TestEnv.with("mail") { s in
            let t = try await s.makeTenant("mail")
            let worker = backgroundServices(s).compactMap { $0 as? JobWorker }.first
            #expect(try await worker?.runOnce() == true)
            let dir = s.config.home + "/mail/" + t.handle.slug
            let files = try FileManager.default.contentsOfDirectory(atPath: dir)
            #expect(files.count == 1)
            let eml = try String(contentsOfFile: dir + "/" + files[0], encoding: .utf8)
            #expect(eml.contains("To: admin@\(t.handle.slug).test"))
            #expect(eml.contains("/admin/invite/"))
            let unsent = try await s.tenantDB.transaction(t.handle) { tx in
                try await tx.query("SELECT count(*) FROM outbox WHERE sent_at IS NULL").collect().first?.decode(Int.self)
            }
            #expect(unsent == 0)
            #expect(try await worker?.runOnce() == false) // nothing sent twice
        }
    }
}
