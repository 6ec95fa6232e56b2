# Contact Desk: one static binary in a distroless image, run as non-root.
#
#   docker build -t contactdesk --build-arg VERSION=1.0.0 .
#   docker run -p 8080:8080 -v contactdesk-data:/data -e DIGICERT_API_KEY=… contactdesk
#
# GO_VERSION must match the go line of go.mod (a test checks it).
ARG GO_VERSION=1.26.8

FROM golang:${GO_VERSION}-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
ARG VERSION=dev
# The flags are checked by docker_test.go, which builds with the same ones.
RUN CGO_ENABLED=0 go build -trimpath -ldflags "-s -w -X main.version=${VERSION}" -o /out/contactdesk .
RUN mkdir -p /out/data

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/contactdesk /usr/local/bin/contactdesk
# The database lives in the volume; nonroot (65532) must own it.
COPY --from=build --chown=65532:65532 /out/data /data
ENV CONTACTDESK_ADDR=:8080 \
    CONTACTDESK_DB=/data/contactdesk.db
VOLUME /data
EXPOSE 8080
USER nonroot:nonroot
HEALTHCHECK --interval=30s --timeout=5s --start-period=10s --retries=3 \
    CMD ["/usr/local/bin/contactdesk", "healthcheck"]
ENTRYPOINT ["/usr/local/bin/contactdesk"]
CMD ["serve"]
