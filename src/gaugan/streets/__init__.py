"""The embedded real-photo street model `streets`: CamVid frames from Cambridge, 256x192 (issue #13).

`package` turns a training run of `configs/streets-256.yaml` into `streets/model/`.
"""
