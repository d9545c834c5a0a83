"""The go-plugin side of a Terraform provider: TLS, the gRPC server and the handshake line.

Terraform starts the plugin with ``PLUGIN_CLIENT_CERT`` (its own certificate, PEM) in the environment
and reads one line from the plugin's stdout::

    1|6|unix|/path/to/socket|grpc|<base64 DER of the plugin's certificate, unpadded>

(core protocol 1, plugin protocol 6, network, address, protocol, server certificate).  Terraform then
verifies the plugin's self-signed certificate against that line.
Terraform ends the plugin through ``GRPCController.Shutdown`` and kills it two seconds later, so
the process exits as soon as that call has been answered.

The pattern is PyPI ``tf``'s ``tf/runner.py``; its generated stubs (``tf.gen``) are reused.
"""

from __future__ import annotations

import base64
import datetime
import os
import sys
import tempfile
import threading
from concurrent import futures


def _self_signed_cert() -> tuple[bytes, bytes, bytes]:
    """(key PEM, cert PEM, cert DER) for CN/SAN localhost, the name go-plugin verifies."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(x509.SubjectAlternativeName([x509.DNSName("localhost")]), critical=False)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True, content_commitment=False, key_encipherment=True, data_encipherment=False,
                key_agreement=True, key_cert_sign=True, crl_sign=False, encipher_only=False, decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH, ExtendedKeyUsageOID.CLIENT_AUTH]), critical=True)
        .sign(key, hashes.SHA256())
    )
    key_pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    return key_pem, cert.public_bytes(serialization.Encoding.PEM), cert.public_bytes(serialization.Encoding.DER)


def serve(servicer) -> None:
    """Serve one provider servicer until Terraform shuts the plugin down."""
    import grpc
    from tf.gen import grpc_controller_pb2 as controller_pb
    from tf.gen import grpc_controller_pb2_grpc as controller_rpc
    from tf.gen import grpc_stdio_pb2_grpc as stdio_rpc
    from tf.gen import tfplugin_pb2_grpc as rpc

    stopped = threading.Event()
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=8))
    rpc.add_ProviderServicer_to_server(servicer, server)

    class Controller(controller_rpc.GRPCControllerServicer):
        def Shutdown(self, request, context):
            stopped.set()
            return controller_pb.Empty()

    class Stdio(stdio_rpc.GRPCStdioServicer):
        def StreamStdio(self, request, context):  # nothing is streamed: stderr goes to Terraform's log
            return iter(())

    controller_rpc.add_GRPCControllerServicer_to_server(Controller(), server)
    stdio_rpc.add_GRPCStdioServicer_to_server(Stdio(), server)
    servicer.on_stop = stopped.set

    key_pem, cert_pem, cert_der = _self_signed_cert()
    # Terraform's client certificate (PLUGIN_CLIENT_CERT) is ECDSA P-521, which gRPC's BoringSSL does
    # not offer in its certificate request, so Go never presents it: requiring it fails every
    # handshake.  Server-side TLS only, as in tf/runner.py; the socket lives in a private (0700)
    # temporary directory, so only this user can reach it.
    credentials = grpc.ssl_server_credentials([(key_pem, cert_pem)], require_client_auth=False)
    with tempfile.TemporaryDirectory(prefix="standin-") as tmp:
        sock = os.path.join(tmp, "plugin.sock")
        server.add_secure_port(f"unix://{sock}", credentials)
        server.start()
        cert_b64 = base64.b64encode(cert_der).decode().rstrip("=")
        sys.stdout.write(f"1|6|unix|{sock}|grpc|{cert_b64}\n")
        sys.stdout.flush()
        stopped.wait()
        server.stop(grace=0.5).wait()
    sys.stderr.flush()
    # A handler thread still running must not keep the process alive: Terraform waits for the exit.
    os._exit(0)
