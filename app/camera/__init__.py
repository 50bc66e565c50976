"""Frame sources (OpenCV VideoCapture: device index, video file, folder of images)."""
