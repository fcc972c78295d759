#!/bin/sh
# Creates the S3 bucket with one SigV4-signed PUT, exactly as stack/stack.sh (s3_bucket) does natively:
# 200 when created, 409 when it already exists.
set -eu

endpoint=${S3_ENDPOINT:?} bucket=${S3_BUCKET:?} region=${S3_REGION:?}
code=$(curl -s -o /dev/null -w '%{http_code}' -X PUT \
  -H "x-amz-content-sha256: e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855" \
  --aws-sigv4 "aws:amz:$region:s3" --user "${S3_ACCESS_KEY:?}:${S3_SECRET_KEY:?}" "$endpoint/$bucket")
case "$code" in
  200|409) echo "create-bucket: bucket $bucket ready (HTTP $code)" ;;
  *) echo "create-bucket: could not create bucket $bucket (HTTP $code)" >&2; exit 1 ;;
esac
