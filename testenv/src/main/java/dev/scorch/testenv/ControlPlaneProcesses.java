package dev.scorch.testenv;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * Starts the processes of a {@link ControlPlane} with the flags its class comment explains (etcd,
 * kube-apiserver, and kube-controller-manager with kube-scheduler), each logging to {@code
 * <component>.log} in the work directory, and waits until each is ready. What it starts goes into
 * the list it is given, which the control plane stops.
 */
final class ControlPlaneProcesses {

    private static final Duration STARTUP_TIMEOUT = Duration.ofSeconds(90);

    /** The API server once ready: its URL and the PEM certificate it serves. */
    record ApiServer(String url, Path servingCertificate, String caPem) {}

    private final ControlPlane.Options options;
    private final TestBinaries binaries;
    private final Path workDirectory;
    private final ControlPlaneUsers users;
    private final List<LocalProcess> processes;
    private final Instant deadline = Instant.now().plus(STARTUP_TIMEOUT);
    private final Path signingKey;

    ControlPlaneProcesses(ControlPlane.Options options, TestBinaries binaries, Path workDirectory, ControlPlaneUsers users,
            List<LocalProcess> processes) {
        this.options = options;
        this.binaries = binaries;
        this.workDirectory = workDirectory;
        this.users = users;
        this.processes = processes;
        this.signingKey = workDirectory.resolve("sa-signer.key");
    }

    /** etcd, then kube-apiserver on it; returns once the API server answers /readyz. */
    ApiServer startApiServer() {
        int etcdPort = LoopbackPorts.free();
        int etcdPeerPort = LoopbackPorts.free();
        LocalProcess etcd = launch("etcd", List.of(
                binaries.etcd().toString(),
                "--name=default",
                "--data-dir=" + workDirectory.resolve("etcd-data"),
                "--listen-client-urls=http://127.0.0.1:" + etcdPort,
                "--advertise-client-urls=http://127.0.0.1:" + etcdPort,
                "--listen-peer-urls=http://127.0.0.1:" + etcdPeerPort,
                "--initial-advertise-peer-urls=http://127.0.0.1:" + etcdPeerPort,
                "--initial-cluster=default=http://127.0.0.1:" + etcdPeerPort,
                "--log-level=warn",
                // Test data is thrown away; fsync only costs time on a shared 2-core machine.
                "--unsafe-no-fsync=true"));
        Readiness.await(etcd, deadline, Readiness.httpOk("http://127.0.0.1:" + etcdPort + "/health", null, null));

        Path verificationKey = workDirectory.resolve("sa-signer.pub");
        Pem.writeRsaKeyPair(signingKey, verificationKey);
        Path tokenFile = write(workDirectory.resolve("tokens.csv"), users.tokenFile());
        Path certDirectory = workDirectory.resolve("apiserver-certs");
        int apiPort = LoopbackPorts.free();
        String url = "https://127.0.0.1:" + apiPort;

        List<String> apiServer = new ArrayList<>(List.of(
                binaries.kubeApiServer().toString(),
                "--etcd-servers=http://127.0.0.1:" + etcdPort,
                "--bind-address=127.0.0.1",
                "--advertise-address=127.0.0.1",
                "--secure-port=" + apiPort,
                "--cert-dir=" + certDirectory,
                "--service-cluster-ip-range=10.0.0.0/24",
                "--allow-privileged=true",
                "--authorization-mode=Node,RBAC",
                "--token-auth-file=" + tokenFile,
                "--service-account-issuer=" + ControlPlane.SERVICE_ACCOUNT_ISSUER,
                "--service-account-signing-key-file=" + signingKey,
                "--service-account-key-file=" + verificationKey,
                // The control plane's own Endpoints would name 127.0.0.1, which validation refuses.
                "--endpoint-reconciler-type=none",
                // No node lifecycle controller runs (see startControllers) to lift the not-ready taint
                // this plugin puts on every new node, so nodes are born untainted.
                "--disable-admission-plugins=TaintNodesByCondition",
                "--profiling=false"));
        if (options.auditPolicy() != null) {
            Path policy = write(workDirectory.resolve("audit-policy.yaml"), options.auditPolicy());
            apiServer.addAll(List.of(
                    "--audit-policy-file=" + policy,
                    "--audit-log-path=" + workDirectory.resolve(ControlPlane.AUDIT_LOG),
                    "--audit-log-format=json",
                    "--audit-log-mode=blocking"));
        }
        apiServer.addAll(options.apiServerFlags());
        LocalProcess apiServerProcess = launch("kube-apiserver", apiServer);
        Path servingCertificate = certDirectory.resolve("apiserver.crt");
        Readiness.await(apiServerProcess, deadline, () -> Files.isRegularFile(servingCertificate)
                && Readiness.httpOk(url + "/readyz", servingCertificate, users.token(ControlPlane.ADMIN_USER)).getAsBoolean());
        return new ApiServer(url, servingCertificate, read(servingCertificate));
    }

    /** kube-controller-manager and kube-scheduler against {@code api}; returns once both answer /healthz. */
    void startControllers(ApiServer api) {
        Path controllerManagerConfig = write(workDirectory.resolve("kube-controller-manager.kubeconfig"),
                kubeconfig(api, ControlPlane.CONTROLLER_MANAGER_USER));
        int controllerManagerPort = LoopbackPorts.free();
        LocalProcess controllerManager = launch("kube-controller-manager", controller(binaries.kubeControllerManager(),
                controllerManagerConfig, controllerManagerPort,
                // Without the node lifecycle controller: fake nodes have no kubelet whose health it
                // could judge, and while its cached copy of a node says not Ready (a heartbeat late on
                // a starved machine) it marks every pod of that node NotReady on each pod update,
                // undoing the simulated kubelet's Ready as fast as it is written (docs/decisions.md).
                "--controllers=*,-node-lifecycle-controller",
                "--service-account-private-key-file=" + signingKey,
                "--root-ca-file=" + api.servingCertificate(),
                // The defaults (20 QPS) make the DaemonSet controller need a minute for 1,000 pods.
                "--kube-api-qps=500",
                "--kube-api-burst=1000"));
        Path schedulerConfig = write(workDirectory.resolve("kube-scheduler.kubeconfig"), kubeconfig(api, ControlPlane.SCHEDULER_USER));
        int schedulerPort = LoopbackPorts.free();
        LocalProcess scheduler = launch("kube-scheduler", controller(binaries.kubeScheduler(), schedulerConfig, schedulerPort));
        Readiness.await(controllerManager, deadline,
                Readiness.httpOk("https://127.0.0.1:" + controllerManagerPort + "/healthz", null, null));
        Readiness.await(scheduler, deadline,
                Readiness.httpOk("https://127.0.0.1:" + schedulerPort + "/healthz", null, null));
    }

    /**
     * The command of a controller that talks to the API server with {@code kubeconfig} only, without
     * leader election, serving its health on loopback {@code port}, then {@code flags}.
     */
    private static List<String> controller(Path binary, Path kubeconfig, int port, String... flags) {
        List<String> command = new ArrayList<>(List.of(
                binary.toString(),
                "--kubeconfig=" + kubeconfig,
                "--authentication-kubeconfig=" + kubeconfig,
                "--authorization-kubeconfig=" + kubeconfig,
                "--leader-elect=false",
                "--bind-address=127.0.0.1",
                "--secure-port=" + port));
        command.addAll(List.of(flags));
        return command;
    }

    private String kubeconfig(ApiServer api, String user) {
        return ControlPlaneUsers.kubeconfig(api.url(), api.caPem(), user, users.token(user));
    }

    private LocalProcess launch(String name, List<String> command) {
        LocalProcess process = LocalProcess.start(name, command, workDirectory.resolve(name + ".log"));
        processes.add(process);
        return process;
    }

    static Path write(Path file, String content) {
        try {
            return Files.writeString(file, content);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file, e);
        }
    }

    private static String read(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
    }
}
